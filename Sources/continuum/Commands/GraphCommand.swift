import ArgumentParser
import ContinuumCore

extension PathwayDiagram.Format: ExpressibleByArgument {}

/// `continuum graph`: draw the pathway.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw the pathway: levels by tier, transitions by kind.",
        discussion: """
            Step-ups are solid, step-downs dashed, escalations bold, closures go to "Closed"; \
            "✓mgr" marks transitions that need a manager's approval.

            Examples:
              continuum graph | dot -Tsvg > pathway.svg
              continuum graph --format mermaid
            """
    )

    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: "dot (Graphviz) or mermaid.")
    var format: PathwayDiagram.Format = .dot

    func run() throws {
        let definition = try pathway.load()
        Console.write(PathwayDiagram.render(definition, as: format))
    }
}
