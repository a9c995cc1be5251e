import Foundation

/// Locates `../shared/` (beside the checkout, as on developers' machines and in CI).
enum SharedData {
    static var root: URL {
        if let override = ProcessInfo.processInfo.environment["CONTINUUM_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        // Tests/ContinuumJSONTests/SharedData.swift -> repository root -> ../shared
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var jsonTestSuite: URL { root.appendingPathComponent("data/JSONTestSuite/test_parsing") }
}
