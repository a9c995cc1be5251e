import ContinuumSimulator
import Foundation
import Testing

@Suite("Random numbers and distributions")
struct RandomTests {
    @Test("the same seed and stream give the same numbers; streams differ")
    func determinism() {
        var a = RandomSource(seed: 42, stream: 3)
        var b = RandomSource(seed: 42, stream: 3)
        var c = RandomSource(seed: 42, stream: 4)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
        var u = RandomSource(seed: 1)
        #expect((0..<10_000).allSatisfy { _ in let x = u.uniform(); return x > 0 && x < 1 })
    }

    @Test("each distribution has the mean and variance it is given", arguments: [
        (Distribution.exponential(mean: 2), 2.0, 4.0),
        (Distribution.lognormal(mean: 3, sd: 1.5), 3.0, 2.25),
        (Distribution.gamma(mean: 5, sd: 2), 5.0, 4.0),
        (Distribution.gamma(mean: 1, sd: 2), 1.0, 4.0),
        (Distribution.fixed(0.5), 0.5, 0.0),
        (Distribution.empirical(values: [1, 2, 4], cumulative: [0.25, 0.75, 1]), 2.25, 1.1875),
    ])
    func moments(distribution: Distribution, mean: Double, variance: Double) {
        var random = RandomSource(seed: 7)
        let n = 400_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let x = distribution.sample(&random)
            sum += x
            squares += x * x
        }
        let sampleMean = sum / Double(n)
        let sampleVariance = squares / Double(n) - sampleMean * sampleMean
        #expect(abs(sampleMean - mean) / mean < 0.01, "mean \(sampleMean) for \(mean)")
        if variance > 0 {
            #expect(abs(sampleVariance - variance) / variance < 0.04, "variance \(sampleVariance) for \(variance)")
        } else {
            #expect(abs(sampleVariance) < 1e-9)
        }
        #expect(abs(distribution.mean - mean) < 1e-9)
    }

    @Test("the ziggurat exponential follows 1 - e^-x from the bottom layer to the tail beyond its base (x > 7.7)")
    func exponentialShape() {
        var random = RandomSource(seed: 11)
        let n = 4_000_000
        let points: [Double] = [0.01, 0.1, 0.5, 1, 2, 3, 5, 7, 8, 10]
        var above = Array(repeating: 0, count: points.count)
        for _ in 0..<n {
            let x = random.standardExponential()
            for (i, point) in points.enumerated() where x > point { above[i] += 1 }
        }
        for (i, point) in points.enumerated() {
            let expected = Double(n) * exp(-point)
            // Five standard deviations of a binomial count: fails only for a wrong shape.
            let allowed = 5 * (expected * (1 - exp(-point))).squareRoot()
            #expect(abs(Double(above[i]) - expected) < allowed, "P(X > \(point)): \(above[i]) draws, expected \(expected)")
        }
    }
}
