import Testing

/// Whether these tests were compiled with optimisation (the release configuration).
let isOptimizedBuild: Bool = {
    #if DEBUG
    false
    #else
    true
    #endif
}()

extension Trait where Self == ConditionTrait {
    /// For tests that simulate millions of events: an unoptimised engine runs them about 15
    /// times slower (the simulator suite took 13 minutes in debug, 42 s in release, measured
    /// here), so `make test` runs them in the release configuration and a debug run skips them.
    static var releaseOnly: Self {
        .enabled(if: isOptimizedBuild, "simulates millions of events: `make test` runs it in the release configuration")
    }
}
