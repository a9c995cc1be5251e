import ContinuumCore

extension SimulationSummary {
    /// The warm-up, shaded on the charts over time (its days are not measured).
    var warmupBand: [SVGChart.Band] {
        scenario.warmupDays > 0 ? [SVGChart.Band(from: 0, to: scenario.warmupDays, label: "warm-up (not measured)")] : []
    }

    /// The charts over time count days from the scenario's start date.
    var calendarScale: SVGChart.XScale { .calendar(start: scenario.startDate) }

    /// Cases at each stage (in service plus queued) at the end of each day, mean over
    /// replications, with each stage's places as a dashed line in its colour.
    public var occupancyChart: SVGChart {
        let series = scenario.stages.indices.map { stage in
            SVGChart.Series(name: scenario.stages[stage].id, points: daily.enumerated().map { day, counts in
                (Double(day + 1), counts[stage].inService + counts[stage].queued)
            })
        }
        let highest = series.flatMap { $0.points.map(\.y) }.max() ?? 0
        // Places far above every stage's load would flatten the lines: those are named, not drawn.
        let capacity = scenario.stages.enumerated().map { index, stage in
            let above = Double(stage.servers) > 3 * max(highest, 1)
            return SVGChart.ReferenceLine(y: Double(stage.servers), label: "places at \(stage.id): \(SVGChart.label(Double(stage.servers)))" + (above ? " (above the chart)" : ""),
                                          colourOf: index, drawn: !above)
        }
        return SVGChart(title: "\(scenario.name): cases at each stage", xLabel: "date (day 0 is \(scenario.startDate))", yLabel: "in service + queued",
                        series: series, xScale: calendarScale, bands: warmupBand, lines: capacity)
    }

    /// The share of cases that waited at most N days before service, per stage (after the
    /// warm-up). The axis ends where every stage's curve has reached (nearly) all its cases,
    /// not at the longest bin.
    public var waitingTimeChart: SVGChart {
        // At least one bin of the widest histogram, so an axis exists when nobody waited.
        var longest = stages.map(\.waitBinDays).max() ?? 1
        let series = stages.map { stage in
            let total = Double(max(stage.waitHistogram.reduce(0, +), 1))
            var running = 0.0
            var points: [(x: Double, y: Double)] = [(0, 0)]
            for (bin, count) in stage.waitHistogram.enumerated() {
                running += Double(count)
                let x = Double(bin + 1) * stage.waitBinDays
                points.append((x, running / total))
                if running / total >= 0.999 {
                    longest = max(longest, x)
                    break
                }
            }
            if let last = points.last, last.y < 0.999 { longest = max(longest, last.x) }
            return SVGChart.Series(name: stage.id, points: points)
        }
        // Each curve carried flat to the axis's end, so every line spans the chart.
        let extended = series.map { line in
            var line = line
            if let last = line.points.last, last.x < longest { line.points.append((longest, last.y)) }
            return line
        }
        return SVGChart(title: "\(scenario.name): waiting time before service", xLabel: "days waited (at most)", yLabel: "share of cases",
                        series: extended)
    }
}

extension SimulationSummary {
    /// Statutory clocks stopped late per day (a 7-day moving average), one line per clock
    /// named by its title: timescale compliance over time. Stages that stop the same clocks
    /// are summed. Empty for explicit networks, which have no clocks.
    public var complianceChart: SVGChart {
        var byClocks: [[String]: [Int]] = [:]
        var order: [[String]] = []
        if let model = scenario.pathwayModel {
            for stage in scenario.stages.indices where model.stopsClocks.indices.contains(stage) && !model.stopsClocks[stage].isEmpty {
                let clocks = model.stopsClocks[stage].sorted()
                if byClocks[clocks] == nil { order.append(clocks) }
                byClocks[clocks, default: []].append(stage)
            }
        }
        let titles = Dictionary(scenario.pathwayModel?.pathway.definition.clocks.map { ($0.id, $0.title) } ?? [], uniquingKeysWith: { first, _ in first })
        let series = order.map { clocks in
            let stages = byClocks[clocks] ?? []
            var points: [(x: Double, y: Double)] = []
            var window: [Double] = []
            for (day, counts) in daily.enumerated() {
                window.append(stages.reduce(0) { $0 + counts[$1].breaches })
                if window.count > 7 { window.removeFirst() }
                points.append((Double(day + 1), window.reduce(0, +) / Double(window.count)))
            }
            return SVGChart.Series(name: clocks.map { titles[$0] ?? $0 }.joined(separator: " / "), points: points)
        }
        return SVGChart(title: "\(scenario.name): clocks stopped late per day (7-day average)", xLabel: "date (day 0 is \(scenario.startDate))",
                        yLabel: "late clock stops per day", series: series, xScale: calendarScale, bands: warmupBand)
    }
}

