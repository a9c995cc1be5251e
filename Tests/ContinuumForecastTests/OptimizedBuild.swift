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
    /// For tests that write years of history through the store (tens of thousands of
    /// referrals): about three minutes unoptimised, so `make test` runs them in the release
    /// configuration and a debug run skips them.
    static var releaseOnly: Self {
        .enabled(if: isOptimizedBuild, "writes two years of history: `make test` runs it in the release configuration")
    }
}
