#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A service-time distribution, in days.
public enum Distribution: Sendable, Hashable {
    case exponential(mean: Double)
    /// Parameterised by its own mean and standard deviation (not the underlying normal's).
    case lognormal(mean: Double, sd: Double)
    case gamma(mean: Double, sd: Double)
    case fixed(Double)
    /// Draws one of `values` with probability proportional to `weights` (equal when absent).
    case empirical(values: [Double], cumulative: [Double])

    public var mean: Double {
        switch self {
        case .exponential(let mean), .lognormal(let mean, _), .gamma(let mean, _): mean
        case .fixed(let days): days
        case .empirical(let values, let cumulative):
            zip(values, zip(cumulative, [0] + cumulative.dropLast()).map { $0 - $1 }).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    public func sample(_ random: inout RandomSource) -> Double {
        switch self {
        case .exponential(let mean):
            return random.exponential(mean: mean)
        case .lognormal(let mean, let sd):
            let sigma2 = log(1 + (sd * sd) / (mean * mean))
            let mu = log(mean) - sigma2 / 2
            return exp(mu + sigma2.squareRoot() * random.normal())
        case .gamma(let mean, let sd):
            let shape = (mean * mean) / (sd * sd)
            return random.gamma(shape: shape, scale: (sd * sd) / mean)
        case .fixed(let days):
            return days
        case .empirical(let values, let cumulative):
            let u = random.uniform()
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < u { low = middle + 1 } else { high = middle }
            }
            return values[low]
        }
    }
}
