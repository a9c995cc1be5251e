import ContinuumForecast
import Foundation
import Testing

/// A small deterministic generator (SplitMix64), so every sample here is the same each run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

@Suite("Fitting times spent at a level")
struct DurationFitTests {
    /// Lognormal durations with mean 200 and sd 120 days, censored at `censorAt`.
    func lognormal(_ count: Int, censorAt: Double) -> [ObservedDuration] {
        var random = SplitMix(state: 42)
        let sigma2 = log(1 + (120.0 * 120) / (200 * 200)), mu = log(200) - sigma2 / 2
        return (0..<count).map { _ in
            let t = exp(mu + sigma2.squareRoot() * random.normal())
            return t > censorAt ? ObservedDuration(days: censorAt, ended: false) : ObservedDuration(days: t, ended: true)
        }
    }

    @Test("lognormal durations are fitted as lognormal, with their mean and spread, and a small KS distance")
    func lognormalRecovered() throws {
        let fits = DurationFitter.fit(lognormal(5_000, censorAt: .infinity))
        let best = fits.first
        #expect(best?.family == .lognormal)
        #expect(abs((best?.mean ?? 0) - 200) / 200 < 0.05)
        #expect(abs((best?.sd ?? 0) - 120) / 120 < 0.10)
        #expect((best?.ks ?? 1) < 0.03)
        #expect(fits.map(\.family).sorted { $0.rawValue < $1.rawValue } == [.exponential, .gamma, .lognormal])
    }

    @Test("censored durations count as lasting at least that long: the fit keeps the true mean where dropping or ending them would not")
    func censoringRespected() {
        let sample = lognormal(5_000, censorAt: 220)
        let censored = sample.count { !$0.ended }
        #expect(censored > 1_000, "a sample with heavy censoring")
        let best = DurationFitter.fit(sample).first
        #expect(abs((best?.mean ?? 0) - 200) / 200 < 0.08, "fitted \(best?.mean ?? 0)")
        // Treating censored stays as ended, or dropping them, biases the mean well below 200.
        let naive = sample.reduce(0) { $0 + $1.days } / Double(sample.count)
        let dropped = sample.filter(\.ended).reduce(0) { $0 + $1.days } / Double(sample.count { $0.ended })
        #expect(naive < 170 && dropped < 150)
    }

    @Test("gamma durations are fitted as gamma")
    func gammaRecovered() {
        var random = SplitMix(state: 7)
        // Shape 4, scale 25 (mean 100, sd 50): the sum of four exponentials of mean 25.
        let sample = (0..<5_000).map { _ in
            ObservedDuration(days: (0..<4).reduce(0.0) { total, _ in total - 25 * log(max(random.uniform(), 1e-300)) }, ended: true)
        }
        let best = DurationFitter.fit(sample).first
        #expect(best?.family == .gamma)
        #expect(abs((best?.mean ?? 0) - 100) < 3 && abs((best?.sd ?? 0) - 50) < 3)
    }

    @Test("exponential: the mean is the exposure over the ended stays")
    func exponentialClosedForm() {
        let sample = [ObservedDuration(days: 10, ended: true), ObservedDuration(days: 20, ended: true), ObservedDuration(days: 30, ended: false)]
        let exponential = DurationFitter.fit(sample).first { $0.family == .exponential }
        #expect(exponential?.mean == 30)
        #expect(exponential?.n == 3 && exponential?.ended == 2)
    }

    @Test("no stay ended: nothing to fit")
    func nothingEnded() {
        #expect(DurationFitter.fit([ObservedDuration(days: 5, ended: false)]).isEmpty)
        #expect(DurationFitter.fit([]).isEmpty)
    }

    @Test("the fitted distributions' cumulative probabilities match closed forms (gamma through the incomplete gamma function)")
    func cumulative() {
        for x in [0.1, 1.0, 3.0, 10.0, 40.0] {
            // Gamma with shape 1 is the exponential; with shape 2, P(2, x) = 1 - e^-x (1 + x).
            #expect(abs(DurationFit(family: .gamma, mean: 1, sd: 1).cdf(x) - (1 - exp(-x))) < 1e-12)
            #expect(abs(DurationFit(family: .gamma, mean: 2, sd: 2.0.squareRoot()).cdf(x) - (1 - exp(-x) * (1 + x))) < 1e-12)
            #expect(abs(DurationFit(family: .exponential, mean: 4, sd: 4).cdf(x) - (1 - exp(-x / 4))) < 1e-12)
        }
        // The lognormal's median is exp(mu).
        let lognormal = DurationFit(family: .lognormal, mean: 200, sd: 120)
        let mu = log(200) - log(1 + 0.36) / 2
        #expect(abs(lognormal.cdf(exp(mu)) - 0.5) < 1e-12)
    }
}
