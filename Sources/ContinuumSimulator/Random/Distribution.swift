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

    /// The time left of a draw known to have lasted `elapsed` already: a draw from the
    /// distribution given that it exceeds `elapsed`, less `elapsed`. Exponential: memoryless;
    /// lognormal: by inversion on the part of the normal above `elapsed`; gamma: by rejection,
    /// and past its 99.9th percentile by its tail's exponential (the gamma's hazard tends to
    /// 1 / scale); fixed: what is left (0 once past); empirical: among the values above.
    func remaining(after elapsed: Double, _ random: inout RandomSource, empirical: [Distribution]) -> Double {
        guard elapsed > 0 else { return sample(&random, empirical: empirical) }
        switch kind {
        case .exponential:
            return random.exponential(mean: a)
        case .lognormal:
            let z = (log(elapsed) - a) / b
            let below = 0.5 * erfc(-z / 2.0.squareRoot())
            guard below < 1 - 1e-12 else { return random.exponential(mean: elapsed * b * b / max(log(elapsed) - a, b * b)) }
            let u = below + random.uniform() * (1 - below)
            return max(0, exp(a + b * NormalQuantile.of(min(max(u, 1e-300), 1 - 1e-16))) - elapsed)
        case .gamma:
            for _ in 0..<64 {
                let draw = random.gamma(shape: a, scale: b)
                if draw > elapsed { return draw - elapsed }
            }
            return random.exponential(mean: b)
        case .fixed:
            return max(0, a - elapsed)
        case .empirical:
            guard case .empirical(let values, let cumulative) = empirical[table] else { return 0 }
            var weights: [(Double, Double)] = []
            var previous = 0.0
            for (value, running) in zip(values, cumulative) {
                if value > elapsed { weights.append((value, running - previous)) }
                previous = running
            }
            let total = weights.reduce(0) { $0 + $1.1 }
            guard total > 0 else { return 0 }
            var u = random.uniform() * total
            for (value, weight) in weights {
                u -= weight
                if u <= 0 { return value - elapsed }
            }
            return (weights.last?.0 ?? elapsed) - elapsed
        }
    }

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

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9), for drawing a lognormal's remaining time by inversion.
enum NormalQuantile {
    static func of(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
