import Testing

/// Whether the tests were compiled with optimisation (the release configuration).
public let isOptimizedBuild: Bool = {
    #if DEBUG
    false
    #else
    true
    #endif
}()

extension Trait where Self == ConditionTrait {
    /// For tests too heavy for an unoptimised build (`work` says what they do): `make test`
    /// runs them in a second, release build of the tests, and a debug run skips them.
    public static func releaseOnly(_ work: String) -> Self {
        .enabled(if: isOptimizedBuild, "\(work): `make test` runs it in the release configuration")
    }
}
