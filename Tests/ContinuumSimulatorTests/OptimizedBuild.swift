import ContinuumTesting
import Testing

extension Trait where Self == ConditionTrait {
    /// For tests that simulate millions of events: an unoptimised engine runs them about 15
    /// times slower (the simulator suite took 13 minutes in debug, 42 s in release, measured here).
    static var releaseOnly: Self { .releaseOnly("simulates millions of events") }
}
