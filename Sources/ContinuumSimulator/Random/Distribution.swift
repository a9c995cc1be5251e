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

/// A distribution flattened to plain numbers for the event loop: sampling reads no reference-
/// counted payload (an enum with array payloads costs a retain and a release per draw).
struct Sampler: Sendable {
    enum Kind: UInt8 { case exponential, lognormal, gamma, fixed, empirical }
    let kind: Kind
    /// exponential: mean; lognormal: mu; gamma: shape; fixed: days.
    let a: Double
    /// lognormal: sigma; gamma: scale.
    let b: Double
    /// empirical: the index of its tables in the engine's `empirical` list.
    let table: Int

    init(_ distribution: Distribution, table: Int) {
        switch distribution {
        case .exponential(let mean):
            (kind, a, b, self.table) = (.exponential, mean, 0, -1)
        case .lognormal(let mean, let sd):
            let sigma2 = log(1 + (sd * sd) / (mean * mean))
            (kind, a, b, self.table) = (.lognormal, log(mean) - sigma2 / 2, sigma2.squareRoot(), -1)
        case .gamma(let mean, let sd):
            (kind, a, b, self.table) = (.gamma, (mean * mean) / (sd * sd), (sd * sd) / mean, -1)
        case .fixed(let days):
            (kind, a, b, self.table) = (.fixed, days, 0, -1)
        case .empirical:
            (kind, a, b, self.table) = (.empirical, 0, 0, table)
        }
    }

    @inline(__always)
    /// Whether the parameters are finite numbers a draw can be made from.
    var isUsable: Bool { a.isFinite && b.isFinite && (kind != .gamma || (a > 0 && b > 0)) }

    func sample(_ random: inout RandomSource, empirical: [Distribution]) -> Double {
        switch kind {
        case .exponential: return random.exponential(mean: a)
        case .lognormal: return exp(a + b * random.normal())
        case .gamma: return random.gamma(shape: a, scale: b)
        case .fixed: return a
        case .empirical: return empirical[table].sample(&random)
        }
    }
}
