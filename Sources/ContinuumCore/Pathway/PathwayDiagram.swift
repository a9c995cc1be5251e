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
        switch format {
        case .dot: dot(pathway)
        case .mermaid: mermaid(pathway)
        }
    }

    static let tierTitles: [Tier: String] = [.universal: "Universal", .earlyHelp: "Early help", .statutory: "Statutory"]

    /// Identifier-safe node names (`child-in-need` → `child_in_need`).
    static func node(_ id: String) -> String {
        "n_" + String(id.unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) && scalar.isASCII ? Character(scalar) : "_"
        })
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func closeLabel(_ transition: PathwayTransition) -> String {
        (transition.reasons ?? []).map(\.rawValue).joined(separator: " ")
    }

    static func dot(_ pathway: Pathway) -> String {
        var lines = ["digraph pathway {",
                     "  label=\(quoted("\(pathway.title) (\(pathway.reference))")); labelloc=t; fontname=\"Helvetica\";",
                     "  rankdir=LR; node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fillcolor=\"#ffffff\"];",
                     "  edge [fontname=\"Helvetica\", fontsize=10];",
                     "  intake [label=\(quoted(pathway.intake.title)), shape=cds, fillcolor=\"#e8e8e8\"];",
                     "  closed [label=\"Closed\", shape=doublecircle, fillcolor=\"#f0f0f0\"];"]
        let fills: [Tier: String] = [.universal: "#e6f4ea", .earlyHelp: "#fff4d6", .statutory: "#fde2e1"]
        for tier in Tier.allCases {
            let levels = pathway.levels.filter { $0.tier == tier }
            guard !levels.isEmpty else { continue }
            lines.append("  subgraph cluster_\(node(tier.rawValue)) {")
            lines.append("    label=\(quoted(tierTitles[tier] ?? tier.rawValue)); style=dashed;")
            for level in levels {
                let consent = level.consentRequired ? "\\n(consent)" : ""
                lines.append("    \(node(level.id)) [label=\"\(level.title.replacingOccurrences(of: "\"", with: "\\\""))\(consent)\", fillcolor=\"\(fills[tier] ?? "#ffffff")\"];")
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
        if let reasons = pathway.intake.closeReasons, !reasons.isEmpty {
            lines.append("  intake -> closed [color=\"#888888\", style=dotted, label=\(quoted(reasons.map(\.rawValue).joined(separator: " ")))];")
        }
        for transition in pathway.transitions {
            let from = node(transition.from)
            let approval = transition.needsApproval ? " ✓mgr" : ""
            switch transition.kind {
            case .stepUp:
                lines.append("  \(from) -> \(node(transition.to ?? "")) [color=\"#c0392b\", label=\"step-up\(approval)\"];")
            case .stepDown:
                lines.append("  \(from) -> \(node(transition.to ?? "")) [color=\"#27ae60\", style=dashed, label=\"step-down\(approval)\"];")
            case .escalate:
                lines.append("  \(from) -> \(node(transition.to ?? "")) [color=\"#8e0000\", penwidth=2, label=\"escalate\(approval)\"];")
            case .close:
                lines.append("  \(from) -> closed [color=\"#7f8c8d\", style=dotted, label=\(quoted(closeLabel(transition) + approval))];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func mermaid(_ pathway: Pathway) -> String {
        var lines = ["flowchart LR",
                     "  intake[/\(mermaidText(pathway.intake.title))/]",
                     "  closed((Closed))"]
        for tier in Tier.allCases {
            let levels = pathway.levels.filter { $0.tier == tier }
            guard !levels.isEmpty else { continue }
            lines.append("  subgraph \(node(tier.rawValue))[\"\(tierTitles[tier] ?? tier.rawValue)\"]")
            for level in levels {
                lines.append("    \(node(level.id))[\"\(mermaidText(level.title))\(level.consentRequired ? "<br/>(consent)" : "")\"]")
            }
            lines.append("  end")
        }
        for outcome in pathway.intake.outcomes { lines.append("  intake --> \(node(outcome))") }
        if let reasons = pathway.intake.closeReasons, !reasons.isEmpty {
            lines.append("  intake -.->|\(reasons.map(\.rawValue).joined(separator: " "))| closed")
        }
        for transition in pathway.transitions {
            let from = node(transition.from)
            let approval = transition.needsApproval ? " ✓mgr" : ""
            switch transition.kind {
            case .stepUp: lines.append("  \(from) -->|step-up\(approval)| \(node(transition.to ?? ""))")
            case .stepDown: lines.append("  \(from) -.->|step-down\(approval)| \(node(transition.to ?? ""))")
            case .escalate: lines.append("  \(from) ==>|escalate\(approval)| \(node(transition.to ?? ""))")
            case .close: lines.append("  \(from) -.->|\(closeLabel(transition))\(approval)| closed")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func mermaidText(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
    }
}

extension String {
    /// Foundation-free replace, enough for escaping labels.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remainder = Substring(self)
        while let range = remainder.range(of: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        return result + remainder
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
