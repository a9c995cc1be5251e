/// Draws a pathway: levels grouped by tier, the front door's outcomes, and transitions by kind
/// (step-up solid, step-down dashed, escalate bold, closure to a terminal node).
public enum PathwayDiagram {
    public enum Format: String, Sendable, CaseIterable {
        /// Graphviz DOT (`dot -Tsvg`).
        case dot
        /// Mermaid `flowchart`, which GitHub and many wikis render inline.
        case mermaid
    }

    public static func render(_ pathway: Pathway, as format: Format) -> String {
        let lines: [String]
        switch format {
        case .dot: lines = dot(pathway)
        case .mermaid: lines = mermaid(pathway)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One transition as drawn: both formats write the same edges, in their own syntax.
    struct Edge {
        let from: String
        /// A level's node, or `closed`.
        let to: String
        let kind: TransitionKind
        /// "step-up ✓mgr", or a closure's reason codes.
        let label: String
    }

    static func edges(_ pathway: Pathway) -> [Edge] {
        pathway.transitions.map { transition in
            let approval = transition.needsApproval ? " ✓mgr" : ""
            let label = transition.kind == .close
                ? (transition.reasons ?? []).map(\.rawValue).joined(separator: " ") + approval
                : transition.kind.rawValue + approval
            let to = transition.kind == .close ? "closed" : node(transition.to ?? "")
            return Edge(from: node(transition.from), to: to, kind: transition.kind, label: label)
        }
    }

    /// The tiers that have levels, in order, with their levels.
    static func tiers(_ pathway: Pathway) -> [(tier: Tier, title: String, levels: [Level])] {
        Tier.allCases.compactMap { tier in
            let levels = pathway.levels.filter { $0.tier == tier }
            return levels.isEmpty ? nil : (tier, tierTitles[tier] ?? tier.rawValue, levels)
        }
    }

    /// The front door's closure reasons as a label, or nil when it cannot close.
    static func intakeCloseLabel(_ pathway: Pathway) -> String? {
        guard let reasons = pathway.intake.closeReasons, !reasons.isEmpty else { return nil }
        return reasons.map(\.rawValue).joined(separator: " ")
    }

    static let tierTitles: [Tier: String] = [.universal: "Universal", .earlyHelp: "Early help", .statutory: "Statutory"]

    /// Identifier-safe node names (`child-in-need` → `n_child_in_need`).
    static func node(_ id: String) -> String {
        "n_" + String(id.unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) && scalar.isASCII ? Character(scalar) : "_"
        })
    }

    // MARK: - Graphviz

    static func dot(_ pathway: Pathway) -> [String] {
        var lines = ["digraph pathway {",
                     "  label=\(dotString("\(pathway.title) (\(pathway.reference))")); labelloc=t; fontname=\"Helvetica\";",
                     "  rankdir=LR; node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fillcolor=\"#ffffff\"];",
                     "  edge [fontname=\"Helvetica\", fontsize=10];",
                     "  intake [label=\(dotString(pathway.intake.title)), shape=cds, fillcolor=\"#e8e8e8\"];",
                     "  closed [label=\"Closed\", shape=doublecircle, fillcolor=\"#f0f0f0\"];"]
        let fills: [Tier: String] = [.universal: "#e6f4ea", .earlyHelp: "#fff4d6", .statutory: "#fde2e1"]
        for group in tiers(pathway) {
            lines.append("  subgraph cluster_\(node(group.tier.rawValue)) {")
            lines.append("    label=\(dotString(group.title)); style=dashed;")
            for level in group.levels {
                let label = dotString(level.title + (level.consentRequired ? "\n(consent)" : ""))
                lines.append("    \(node(level.id)) [label=\(label), fillcolor=\"\(fills[group.tier] ?? "#ffffff")\"];")
            }
            lines.append("  }")
        }
        // Lay the continuum out in order of need: invisible, heavy edges between consecutive levels.
        for (lower, higher) in zip(pathway.levels, pathway.levels.dropFirst()) {
            lines.append("  \(node(lower.id)) -> \(node(higher.id)) [style=invis, weight=20];")
        }
        for outcome in pathway.intake.outcomes {
            lines.append("  intake -> \(node(outcome)) [color=\"#888888\", arrowhead=open];")
        }
        if let label = intakeCloseLabel(pathway) {
            lines.append("  intake -> closed [color=\"#888888\", style=dotted, label=\(dotString(label))];")
        }
        let styles: [TransitionKind: String] = [.stepUp: "color=\"#c0392b\"", .stepDown: "color=\"#27ae60\", style=dashed",
                                                .escalate: "color=\"#8e0000\", penwidth=2", .close: "color=\"#7f8c8d\", style=dotted"]
        for edge in edges(pathway) {
            lines.append("  \(edge.from) -> \(edge.to) [\(styles[edge.kind] ?? ""), label=\(dotString(edge.label))];")
        }
        lines.append("}")
        return lines
    }

    /// A DOT string literal: quotes and backslashes escaped, newlines as `\n`.
    static func dotString(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    // MARK: - Mermaid

    static func mermaid(_ pathway: Pathway) -> [String] {
        var lines = ["flowchart LR",
                     "  intake[/\(mermaidText(pathway.intake.title))/]",
                     "  closed((Closed))"]
        for group in tiers(pathway) {
            lines.append("  subgraph \(node(group.tier.rawValue))[\"\(group.title)\"]")
            for level in group.levels {
                lines.append("    \(node(level.id))[\"\(mermaidText(level.title))\(level.consentRequired ? "<br/>(consent)" : "")\"]")
            }
            lines.append("  end")
        }
        for outcome in pathway.intake.outcomes { lines.append("  intake --> \(node(outcome))") }
        if let label = intakeCloseLabel(pathway) { lines.append("  intake -.->|\(label)| closed") }
        let arrows: [TransitionKind: String] = [.stepUp: "-->", .stepDown: "-.->", .escalate: "==>", .close: "-.->"]
        for edge in edges(pathway) {
            lines.append("  \(edge.from) \(arrows[edge.kind] ?? "-->")|\(edge.label)| \(edge.to)")
        }
        return lines
    }

    /// Text Mermaid shows inside a node: double quotes become single, parentheses are dropped
    /// (Mermaid reads them as shape syntax).
    static func mermaidText(_ text: String) -> String {
        String(text.compactMap { character -> Character? in
            switch character {
            case "\"": "'"
            case "(", ")": nil
            default: character
            }
        })
    }
}
