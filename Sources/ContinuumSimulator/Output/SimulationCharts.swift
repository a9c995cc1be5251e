import ContinuumCore
extension SimulationSummary {
    /// Cases at each stage (in service plus queued) at the end of each day, mean over replications.
    public var occupancyChart: SVGChart {
        SVGChart(title: "\(scenario.name): cases at each stage", xLabel: "day", yLabel: "in service + queued",
                 series: scenario.stages.indices.map { stage in
                     SVGChart.Series(name: scenario.stages[stage].id, points: daily.enumerated().map { day, counts in
                         (Double(day + 1), counts[stage].inService + counts[stage].queued)
                     })
                 })
    }

    /// The share of cases that waited at most N days before service, per stage (after the warm-up).
    public var waitingTimeChart: SVGChart {
        SVGChart(title: "\(scenario.name): waiting time before service", xLabel: "days waited (at most)", yLabel: "share of cases",
                 series: stages.map { stage in
                     let total = Double(max(stage.waitHistogram.reduce(0, +), 1))
                     var running = 0.0
                     var points: [(x: Double, y: Double)] = [(0, 0)]
                     for (bin, count) in stage.waitHistogram.enumerated() {
                         running += Double(count)
                         points.append((Double(bin + 1) * stage.waitBinDays, running / total))
                     }
                     return SVGChart.Series(name: stage.id, points: points)
                 })
    }
}

extension SimulationSummary {
    /// Statutory clocks stopped late per day (a 7-day moving average), per stage: timescale
    /// compliance over time. Empty for explicit networks, which have no clocks.
    public var complianceChart: SVGChart {
        SVGChart(title: "\(scenario.name): clocks stopped late per day (7-day average)", xLabel: "day", yLabel: "late clock stops",
                 series: scenario.stages.indices.compactMap { stage in
                     guard !(scenario.pathwayModel?.stopsClocks[stage].isEmpty ?? true) else { return nil }
                     var points: [(x: Double, y: Double)] = []
                     var window: [Double] = []
                     for (day, counts) in daily.enumerated() {
                         window.append(counts[stage].breaches)
                         if window.count > 7 { window.removeFirst() }
                         points.append((Double(day + 1), window.reduce(0, +) / Double(window.count)))
                     }
                     return SVGChart.Series(name: scenario.stages[stage].id, points: points)
                 })
    }
}
