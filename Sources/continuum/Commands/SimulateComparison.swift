import ContinuumCore
import ContinuumJSON
import ContinuumSimulator

/// `simulate --compare`: key measures of two runs side by side, with the difference and
/// Welch's test at 5%; over the whole runs and over any `--window` of days; as a table, and
/// with `--out` as comparison.csv, comparison.json and both runs' charts (issue 25).
struct Comparison {
    /// A base stage and the variant stage it is compared with (nil on the side that lacks it,
    /// with `--allow-unmatched-stages`).
    struct StagePair: Hashable {
        var base: String?
        var variant: String?

        /// The row's name: the base's id, "base=variant" when mapped.
        var name: String {
            switch (base, variant) {
            case (let a?, let b?): a == b ? a : "\(a)=\(b)"
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): "-"
            }
        }
    }

    /// One row: a measure of both runs.
    struct Row {
        var period: String
        var measure: String
        var base: [Double]?
        var variant: [Double]?

        var difference: Double? {
            guard let base, let variant else { return nil }
            return Estimate(variant).mean - Estimate(base).mean
        }

        var significant: Bool {
            guard let base, let variant else { return false }
            return Estimate.differ(base, variant)
        }
    }

    let base: SimulationSummary
    let variant: SimulationSummary
    let stages: [StagePair]
    let rows: [Row]

    /// Stages matched by id, then by `mapping` (base → variant). Unmatched stages are refused
    /// unless `allowUnmatched`: a comparison never drops a stage silently.
    static func pairStages(base: [String], variant: [String], mapping: [String: String], allowUnmatched: Bool) -> Result<[StagePair], ComparisonError> {
        for (from, to) in mapping.sorted(by: { $0.key < $1.key }) {
            guard base.contains(from) else { return .failure(.unknownStage(from, side: "base", known: base)) }
            guard variant.contains(to) else { return .failure(.unknownStage(to, side: "variant", known: variant)) }
        }
        var pairs: [StagePair] = []
        var used = Set<String>()
        for id in base {
            let partner = mapping[id] ?? (variant.contains(id) && !mapping.values.contains(id) ? id : nil)
            if let partner { used.insert(partner) }
            pairs.append(StagePair(base: id, variant: partner))
        }
        let onlyVariant = variant.filter { !used.contains($0) }
        let onlyBase = pairs.filter { $0.variant == nil }.compactMap(\.base)
        guard allowUnmatched || (onlyBase.isEmpty && onlyVariant.isEmpty) else {
            return .failure(.unmatchedStages(onlyBase: onlyBase, onlyVariant: onlyVariant))
        }
        return .success(pairs + onlyVariant.map { StagePair(base: nil, variant: $0) })
    }

    init(base: SimulationSummary, variant: SimulationSummary, stages: [StagePair], windows: [(label: String, base: Range<Int>, variant: Range<Int>)] = []) {
        self.base = base
        self.variant = variant
        self.stages = stages
        var rows: [Row] = []
        // The whole runs: per stage, then the pathway's measures.
        for pair in stages {
            let perStage: [SimulationMeasure.StageMeasure] = [.utilisation, .meanWaitDays, .meanInSystem, .throughputPerDay, .renegedPerDay]
            for measure in perStage {
                let a = pair.base.flatMap { base.samples[.stage($0, measure)] }, b = pair.variant.flatMap { variant.samples[.stage($0, measure)] }
                if a != nil || b != nil { rows.append(Row(period: "run", measure: "\(pair.name).\(measure.rawValue)", base: a, variant: b)) }
            }
        }
        var measures: [SimulationMeasure] = [.stepUps, .stepDowns] + base.measuredClocks.map { .clockOnTimePct($0) } + [.reReferralsPerDay]
        // Where referrals land: each level of either pathway, then by tier (statutory: the
        // children in need the census counts, which fall by design under Families First).
        let levels = base.routedByLevel.map(\.level) + variant.routedByLevel.map(\.level).filter { level in !base.routedByLevel.contains { $0.level == level } }
        measures += levels.map { .routedPerDay($0) } + Tier.allCases.map { .routedToTier($0) }
        for measure in measures where base.samples[measure] != nil || variant.samples[measure] != nil {
            rows.append(Row(period: "run", measure: measure.description, base: base.samples[measure], variant: variant.samples[measure]))
        }
        // Each window: what the daily counts give, per stage.
        for window in windows {
            let a = base.windowSamples(window.base), b = variant.windowSamples(window.variant)
            for pair in stages {
                let perStage: [SimulationMeasure.StageMeasure] = [.arrivalsPerDay, .meanInSystem, .meanQueued, .throughputPerDay, .renegedPerDay, .lateClockStopsPerDay]
                for measure in perStage {
                    let left = pair.base.flatMap { a[.stage($0, measure)] }, right = pair.variant.flatMap { b[.stage($0, measure)] }
                    if left != nil || right != nil { rows.append(Row(period: window.label, measure: "\(pair.name).\(measure.rawValue)", base: left, variant: right)) }
                }
            }
        }
        self.rows = rows
    }

    // MARK: Outputs

    var table: String {
        var lines = ["\(base.scenario.name) → \(variant.scenario.name) (means ± 95% half-widths; * = significant at 5%)"]
        let mapped = stages.filter { $0.base != nil && $0.variant != nil && $0.base != $0.variant }
        if !mapped.isEmpty { lines.append("stages paired: " + mapped.map { "\($0.base ?? "") (base) with \($0.variant ?? "") (variant)" }.joined(separator: ", ")) }
        let alone = stages.filter { $0.base == nil || $0.variant == nil }
        if !alone.isEmpty { lines.append("in one run only (\"-\" on the other side): " + alone.map { "\($0.name) (\($0.base == nil ? "variant" : "base"))" }.joined(separator: ", ")) }
        var period = ""
        for row in rows {
            if row.period != period {
                period = row.period
                lines.append(period == "run" ? "measure                              base              variant           difference"
                                              : "\nfrom \(period) (daily counts; utilisation and waits are whole-run measures)")
            }
            let a = row.base.map { SimulateCommand.cell(Estimate($0)) } ?? "-".padded(16)
            let b = row.variant.map { SimulateCommand.cell(Estimate($0)) } ?? "-".padded(16)
            let difference = row.difference.map { SimulateCommand.number($0) + (row.significant ? " *" : "") } ?? ""
            lines.append(row.measure.padded(36) + " " + a + "  " + b + "  " + difference)
        }
        return lines.joined(separator: "\n")
    }

    /// comparison.csv: one record per period and measure, rounded for people.
    var csv: String {
        CSV.file(header: ["period", "measure", "base_mean", "base_half_width", "variant_mean", "variant_half_width", "difference", "significant"],
                 records: rows.map { row in
                     let a = row.base.map(Estimate.init), b = row.variant.map(Estimate.init)
                     return [row.period, row.measure, CSV.number(a?.mean, decimals: 3), CSV.number(a?.halfWidth, decimals: 3),
                             CSV.number(b?.mean, decimals: 3), CSV.number(b?.halfWidth, decimals: 3), CSV.number(row.difference, decimals: 3),
                             row.base != nil && row.variant != nil ? String(row.significant) : ""]
                 })
    }

    /// comparison.json: the same rows at full precision, with the stage pairs.
    var json: JSONValue {
        func estimate(_ samples: [Double]?) -> JSONValue {
            guard let samples else { return .null }
            let value = Estimate(samples)
            return .object(["mean": .double(value.mean), "low": .double(value.low), "high": .double(value.high)])
        }
        return .object([
            "base": .string(base.scenario.name), "variant": .string(variant.scenario.name),
            "stages": .array(stages.map { .object(["base": $0.base.map(JSONValue.string) ?? .null, "variant": $0.variant.map(JSONValue.string) ?? .null]) }),
            "rows": .array(rows.map { row in
                .object(["period": .string(row.period), "measure": .string(row.measure), "base": estimate(row.base), "variant": estimate(row.variant),
                         "difference": row.difference.map(JSONValue.double) ?? .null, "significant": row.base != nil && row.variant != nil ? .bool(row.significant) : .null])
            }),
        ])
    }

    /// Both runs' cases in the system per stage on one chart: the base solid, the variant dashed
    /// in the same colour.
    var occupancyChart: SVGChart {
        var series: [SVGChart.Series] = []
        for (index, pair) in stages.enumerated() {
            for (side, summary, id) in [("base", base, pair.base), ("variant", variant, pair.variant)] {
                guard let id, let stage = summary.scenario.stages.firstIndex(where: { $0.id == id }) else { continue }
                var line = SVGChart.Series(name: "\(id) (\(side == "base" ? base.scenario.name : variant.scenario.name))",
                                           points: summary.daily.enumerated().map { day, counts in (Double(day + 1), counts[stage].inService + counts[stage].queued) },
                                           dashed: side == "variant")
                line.colour = index
                series.append(line)
            }
        }
        let warmup = base.scenario.warmupDays > 0 ? [SVGChart.Band(from: 0, to: base.scenario.warmupDays, label: "warm-up (not measured)")] : []
        return SVGChart(title: "\(base.scenario.name) (solid) and \(variant.scenario.name) (dashed): cases at each stage",
                        xLabel: "date (day 0 is \(base.scenario.startDate))", yLabel: "in service + queued", series: series,
                        xScale: .calendar(start: base.scenario.startDate), bands: warmup)
    }

    /// Writes comparison.csv, comparison.json, comparison-occupancy.svg, and each run's own
    /// files under base/ and variant/ (side by side).
    func write(to folder: String) throws {
        var files: [(name: String, text: String)] = [
            ("comparison.csv", csv), ("comparison.json", json.serialized(pretty: true) + "\n"), ("comparison-occupancy.svg", occupancyChart.svg),
        ]
        files += SimulateCommand.files(base).map { ("base/" + $0.name, $0.text) }
        files += SimulateCommand.files(variant).map { ("variant/" + $0.name, $0.text) }
        try SimulateCommand.write(files, to: folder)
    }
}

/// Why two scenarios cannot be compared as given.
enum ComparisonError: Error, CustomStringConvertible {
    case unmatchedStages(onlyBase: [String], onlyVariant: [String])
    case unknownStage(String, side: String, known: [String])

    var description: String {
        switch self {
        case .unmatchedStages(let onlyBase, let onlyVariant):
            "the stages do not match: only in the base, " + (onlyBase.isEmpty ? "none" : onlyBase.joined(separator: ", "))
                + "; only in the variant, " + (onlyVariant.isEmpty ? "none" : onlyVariant.joined(separator: ", "))
                + ". Pair each with --map-stage BASE=VARIANT"
                + (onlyBase.first.flatMap { a in onlyVariant.first.map { b in " (for example --map-stage \(a)=\(b))" } } ?? "")
                + ", or show them apart with --allow-unmatched-stages"
        case .unknownStage(let id, let side, let known):
            "--map-stage names \"\(id)\", which is not a stage of the \(side) (its stages: \(known.joined(separator: ", ")))"
        }
    }
}
