/// A decision table with every condition resolved to whole-number ranges over its inputs'
/// domains: what the router evaluates and what the checker reasons about.
struct CompiledTable: Sendable, Hashable {
    struct CompiledRule: Sendable, Hashable {
        let id: String
        let description: String
        let output: String
        /// The output level's rank (for the `priority` policy).
        let outputRank: Int
        /// Per table input, in order: the allowed values, as sorted disjoint ranges.
        let tests: [[ClosedRange<Int>]]

        func matches(_ values: [Int]) -> Bool {
            for index in tests.indices {
                let value = values[index]
                var hit = false
                for range in tests[index] where range.contains(value) {
                    hit = true
                    break
                }
                if !hit { return false }
            }
            return true
        }
    }

    let id: String
    let policy: HitPolicy
    let inputs: [FactInput]
    let rules: [CompiledRule]
    /// Each input's factors as a set, prepared once.
    let factorSets: [FactorSet?]
    /// Each input's fact, prepared once: reading these plain values per referral copies no
    /// strings (a whole `FactInput` per input cost a retain per string in it).
    let kinds: [FactKind]

    init(id: String, policy: HitPolicy, inputs: [FactInput], rules: [CompiledRule]) {
        self.id = id
        self.policy = policy
        self.inputs = inputs
        self.rules = rules
        factorSets = inputs.map { $0.factors.map(FactorSet.init) }
        kinds = inputs.map(\.fact)
    }

    /// The input values for one referral, in table order.
    func values(for referral: Referral, receivedOn: CalendarDate, reReferral: Bool) -> [Int] {
        var facts: [Int] = []
        facts.reserveCapacity(kinds.count)
        values(for: RoutingSubject(referral, receivedOn: receivedOn, reReferral: reReferral), into: &facts)
        return facts
    }

    /// The input values for `subject`, in table order, in place of `values`' contents.
    func values(for subject: RoutingSubject, into values: inout [Int]) {
        values.removeAll(keepingCapacity: true)
        for index in kinds.indices {
            values.append(kinds[index].value(factors: factorSets[index], subject: subject))
        }
    }

    /// Per input: the class of each value of its domain (indexed by value − the domain's lower
    /// bound), classes numbered from 0 in order. A new class starts wherever some rule's range
    /// for the input starts or ends, so values of one class pass and fail the same rules.
    var valueClasses: [[Int]] {
        inputs.indices.map { index in
            let domain = inputs[index].fact.range
            var starts = Set<Int>()
            for rule in rules where rule.tests.indices.contains(index) {
                for range in rule.tests[index] {
                    starts.insert(range.lowerBound)
                    if range.upperBound < Int.max { starts.insert(range.upperBound + 1) }
                }
            }
            var classes: [Int] = []
            var current = 0
            for value in domain {
                if value > domain.lowerBound && starts.contains(value) { current += 1 }
                classes.append(current)
            }
            return classes
        }
    }

    /// The full domain of each input: the box every referral falls in.
    var domain: [[ClosedRange<Int>]] { inputs.map { [$0.fact.range] } }

    /// Indices of the rule that decides for these input values and of every rule cited with it;
    /// nil if none match. No rule is copied while scanning: this runs once per referral.
    func firing(_ values: [Int]) -> (winner: Int, fired: [Int])? {
        switch policy {
        case .first, .unique:
            // For `unique` the checker proved at most one rule matches.
            for index in rules.indices where rules[index].matches(values) { return (index, [index]) }
            return nil
        case .priority:
            var best = -1
            var fired: [Int] = []
            for index in rules.indices where rules[index].matches(values) {
                if best >= 0 && rules[best].outputRank >= rules[index].outputRank {
                    if rules[best].outputRank == rules[index].outputRank { fired.append(index) }
                    continue
                }
                best = index
                fired = [index]
            }
            return best >= 0 ? (best, fired) : nil
        }
    }

    /// Describes a point of the input space: `immediateRisk=false, harm=high`.
    func describe(_ values: [Int]) -> String {
        zip(inputs, values).map { "\($0.id)=\($0.fact.label($1))" }.joined(separator: ", ")
    }
}

/// Exact reasoning over boxes (one set of ranges per dimension) in a finite integer space.
enum BoxGeometry {
    /// Whether two boxes share at least one point.
    static func intersects(_ a: [[ClosedRange<Int>]], _ b: [[ClosedRange<Int>]]) -> Bool {
        zip(a, b).allSatisfy { left, right in left.contains { l in right.contains { $0.overlaps(l) } } }
    }

    /// A common point of two intersecting boxes.
    static func commonPoint(_ a: [[ClosedRange<Int>]], _ b: [[ClosedRange<Int>]]) -> [Int]? {
        var point: [Int] = []
        for (left, right) in zip(a, b) {
            guard let value = left.lazy.compactMap({ l in right.lazy.compactMap { r in
                l.overlaps(r) ? max(l.lowerBound, r.lowerBound) : nil }.first }).first else { return nil }
            point.append(value)
        }
        return point
    }

    enum Outcome: Equatable {
        /// Every point of the box is covered.
        case covered
        /// This point of the box is in no covering box.
        case uncovered([Int])
        /// Too many cells to decide within the budget.
        case tooLarge(cells: Double)
    }

    /// Whether `covers` together cover every point of `box`, by splitting each dimension at
    /// every range boundary and testing one point per resulting cell.
    static func coverage(of box: [[ClosedRange<Int>]], by covers: [[[ClosedRange<Int>]]], cellBudget: Int = 2_000_000) -> Outcome {
        // Elementary segments per dimension: pieces of the box's ranges cut at every boundary.
        var segments: [[Int]] = []  // one representative (the lower bound) per segment
        var cells = 1.0
        for (dimension, ranges) in box.enumerated() {
            var cuts = Set<Int>()
            for range in ranges { cuts.insert(range.lowerBound); cuts.insert(range.upperBound + 1) }
            for cover in covers {
                for range in cover[dimension] { cuts.insert(range.lowerBound); cuts.insert(range.upperBound + 1) }
            }
            let sorted = cuts.sorted()
            var representatives: [Int] = []
            for (index, start) in sorted.enumerated() where index + 1 < sorted.count {
                if ranges.contains(where: { $0.contains(start) }) { representatives.append(start) }
            }
            if representatives.isEmpty { return .covered }  // an empty box is trivially covered
            segments.append(representatives)
            cells *= Double(representatives.count)
        }
        guard cells <= Double(cellBudget) else { return .tooLarge(cells: cells) }
        var odometer = Array(repeating: 0, count: segments.count)
        var point = segments.map { $0[0] }
        while true {
            let covered = covers.contains { cover in
                zip(cover, point).allSatisfy { ranges, value in ranges.contains { $0.contains(value) } }
            }
            if !covered { return .uncovered(point) }
            // Advance the odometer.
            var dimension = 0
            while dimension < segments.count {
                odometer[dimension] += 1
                if odometer[dimension] < segments[dimension].count {
                    point[dimension] = segments[dimension][odometer[dimension]]
                    break
                }
                odometer[dimension] = 0
                point[dimension] = segments[dimension][0]
                dimension += 1
            }
            if dimension == segments.count { return .covered }
        }
    }
}
