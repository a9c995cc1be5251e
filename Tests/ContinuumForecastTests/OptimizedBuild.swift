import ContinuumTesting
import Testing

extension Trait where Self == ConditionTrait {
    /// For tests that write years of history through the store (tens of thousands of
    /// referrals): about three minutes unoptimised.
    static var releaseOnly: Self { .releaseOnly("writes two years of history") }
}
