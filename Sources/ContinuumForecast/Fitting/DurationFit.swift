#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A time spent somewhere, in days: ended there (an exit seen), or still going when the
/// history stops (right-censored: it lasted at least this long).
public struct ObservedDuration: Sendable, Hashable {
    public var days: Double
    public var ended: Bool

    public init(days: Double, ended: Bool) {
        self.days = days
        self.ended = ended
    }
}

/// A distribution family the calibration fits, by the name scenario files use.
public enum DurationFamily: String, Sendable, Hashable, CaseIterable {
    case exponential, lognormal, gamma
}

/// One family fitted to durations by maximum likelihood, censored durations counting by their
/// survival (the probability of lasting at least that long), with the Kolmogorov-Smirnov
/// distance between it and the Kaplan-Meier estimate of the same durations.
public struct DurationFit: Sendable, Hashable {
    public var family: DurationFamily
    public var mean: Double
    public var sd: Double
    public var logLikelihood: Double
    public var ks: Double
    /// How many durations it was fitted to, and how many of those ended.
    public var n: Int
    public var ended: Int

    /// A distribution of `family` with this mean and standard deviation (not fitted to anything:
    /// `logLikelihood` and `ks` are 0).
    public init(family: DurationFamily, mean: Double, sd: Double) {
        self.init(family: family, mean: mean, sd: sd, logLikelihood: 0, ks: 0, n: 0, ended: 0)
    }

    init(family: DurationFamily, mean: Double, sd: Double, logLikelihood: Double, ks: Double, n: Int, ended: Int) {
        self.family = family
        self.mean = mean
        self.sd = sd
        self.logLikelihood = logLikelihood
        self.ks = ks
        self.n = n
        self.ended = ended
    }

    /// The fitted distribution's cumulative probability at `days`.
    public func cdf(_ days: Double) -> Double { Self.cdf(family, mean: mean, sd: sd, days) }

    static func cdf(_ family: DurationFamily, mean: Double, sd: Double, _ t: Double) -> Double {
        guard t > 0 else { return 0 }
        switch family {
        case .exponential: return 1 - exp(-t / mean)
        case .lognormal:
            let (mu, sigma) = Lognormal.parameters(mean: mean, sd: sd)
            return 0.5 * erfc(-(log(t) - mu) / (sigma * 2.0.squareRoot()))
        case .gamma:
            let shape = (mean / sd) * (mean / sd), scale = sd * sd / mean
            return IncompleteGamma.lower(shape, t / scale)
        }
    }
}

/// Fits every family to a sample of durations and picks the best by likelihood.
///
/// The two-parameter families are fitted by Nelder-Mead on the censored log-likelihood (the
/// exponential in closed form). A very large sample (a million-referral log's child in need
/// stays) is thinned to `sampleLimit` durations taken at an even stride, which keeps the fit
/// to a fraction of a second and moves the estimates by far less than their own uncertainty.
public enum DurationFitter {
    public static let sampleLimit = 20_000
    /// Durations of zero (a decision and a closure in the same instant) are fitted as one minute.
    static let smallest = 1.0 / 1_440

    /// Every family that could be fitted, best (highest likelihood) first; empty when no
    /// duration ended.
    public static func fit(_ all: [ObservedDuration]) -> [DurationFit] {
        let sample = thinned(all)
        let durations = sample.map { ObservedDuration(days: max($0.days, smallest), ended: $0.ended) }
        let ended = durations.filter(\.ended)
        guard !ended.isEmpty else { return [] }
        let kaplanMeier = KaplanMeier(durations)
        var fits: [DurationFit] = []
        // Exponential: the rate is events over total exposure.
        let exposure = durations.reduce(0) { $0 + $1.days }
        let mean = exposure / Double(ended.count)
        fits.append(finish(.exponential, mean: mean, sd: mean, durations, kaplanMeier))
        if ended.count >= 2 {
            if let (mean, sd) = fitLognormal(durations, ended) { fits.append(finish(.lognormal, mean: mean, sd: sd, durations, kaplanMeier)) }
            if let (mean, sd) = fitGamma(durations, ended) { fits.append(finish(.gamma, mean: mean, sd: sd, durations, kaplanMeier)) }
        }
        return fits.filter { $0.logLikelihood.isFinite && $0.mean.isFinite && $0.sd.isFinite && $0.mean > 0 && $0.sd > 0 }
            .sorted { $0.logLikelihood > $1.logLikelihood }
            .map { fit in
                var fit = fit
                fit.n = all.count
                fit.ended = all.count { $0.ended }
                return fit
            }
    }

    static func thinned(_ all: [ObservedDuration]) -> [ObservedDuration] {
        guard all.count > sampleLimit else { return all }
        let stride = Double(all.count) / Double(sampleLimit)
        return (0..<sampleLimit).map { all[Int(Double($0) * stride)] }
    }

    static func finish(_ family: DurationFamily, mean: Double, sd: Double, _ durations: [ObservedDuration], _ km: KaplanMeier) -> DurationFit {
        let likelihood = logLikelihood(family, mean: mean, sd: sd, durations)
        let ks = km.distance { DurationFit.cdf(family, mean: mean, sd: sd, $0) }
        return DurationFit(family: family, mean: mean, sd: sd, logLikelihood: likelihood, ks: ks, n: durations.count, ended: durations.count { $0.ended })
    }

    static func logLikelihood(_ family: DurationFamily, mean: Double, sd: Double, _ durations: [ObservedDuration]) -> Double {
        switch family {
        case .exponential:
            return durations.reduce(0) { $0 + ($1.ended ? -log(mean) : 0) - $1.days / mean }
        case .lognormal:
            let (mu, sigma) = Lognormal.parameters(mean: mean, sd: sd)
            return Lognormal.logLikelihood(mu: mu, sigma: sigma, durations)
        case .gamma:
            return Gamma.logLikelihood(shape: (mean / sd) * (mean / sd), scale: sd * sd / mean, durations)
        }
    }

    static func fitLognormal(_ durations: [ObservedDuration], _ ended: [ObservedDuration]) -> (Double, Double)? {
        let logs = ended.map { log($0.days) }
        let mu0 = logs.reduce(0, +) / Double(logs.count)
        let sigma0 = max(0.05, (logs.reduce(0) { $0 + ($1 - mu0) * ($1 - mu0) } / Double(logs.count)).squareRoot())
        let best = NelderMead.minimise([mu0, log(sigma0)]) { point in
            -Lognormal.logLikelihood(mu: point[0], sigma: exp(point[1]), durations)
        }
        let mu = best[0], sigma = exp(best[1])
        let mean = exp(mu + sigma * sigma / 2)
        return (mean, mean * (exp(sigma * sigma) - 1).squareRoot())
    }

    static func fitGamma(_ durations: [ObservedDuration], _ ended: [ObservedDuration]) -> (Double, Double)? {
        let m = ended.reduce(0) { $0 + $1.days } / Double(ended.count)
        let v = max(m * m * 1e-4, ended.reduce(0) { $0 + ($1.days - m) * ($1.days - m) } / Double(ended.count))
        let best = NelderMead.minimise([log(m * m / v), log(v / m)]) { point in
            -Gamma.logLikelihood(shape: exp(point[0]), scale: exp(point[1]), durations)
        }
        let shape = exp(best[0]), scale = exp(best[1])
        return (shape * scale, shape.squareRoot() * scale)
    }
}

enum Lognormal {
    /// μ and σ of the log from the mean and standard deviation.
    static func parameters(mean: Double, sd: Double) -> (Double, Double) {
        let variance = log(1 + (sd * sd) / (mean * mean))
        return (log(mean) - variance / 2, variance.squareRoot())
    }

    static func logLikelihood(mu: Double, sigma: Double, _ durations: [ObservedDuration]) -> Double {
        guard sigma > 0, sigma.isFinite else { return -.infinity }
        let halfLogTwoPi = 0.5 * log(2 * Double.pi), logSigma = log(sigma)
        var total = 0.0
        for duration in durations {
            let logT = log(duration.days), z = (logT - mu) / sigma
            if duration.ended {
                total += -logT - logSigma - halfLogTwoPi - z * z / 2
            } else {
                total += log(max(0.5 * erfc(z / 2.0.squareRoot()), .leastNormalMagnitude))
            }
        }
        return total
    }
}

enum Gamma {
    static func logLikelihood(shape: Double, scale: Double, _ durations: [ObservedDuration]) -> Double {
        guard shape > 0, scale > 0, shape.isFinite, scale.isFinite else { return -.infinity }
        let constant = lgamma(shape) + shape * log(scale)
        var total = 0.0
        for duration in durations {
            if duration.ended {
                total += (shape - 1) * log(duration.days) - duration.days / scale - constant
            } else {
                total += log(max(IncompleteGamma.upper(shape, duration.days / scale), .leastNormalMagnitude))
            }
        }
        return total
    }
}

/// The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 - P (series below
/// a + 1, Lentz's continued fraction above: Numerical Recipes §6.2).
enum IncompleteGamma {
    static func lower(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 0 }
        return x < a + 1 ? series(a, x) : 1 - fraction(a, x)
    }

    static func upper(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        return x < a + 1 ? 1 - series(a, x) : fraction(a, x)
    }

    private static func series(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a, sum = term, n = a
        for _ in 0..<500 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-14 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    private static func fraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...500 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-14 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }
}

/// The Kaplan-Meier estimate of the distribution of durations with right censoring.
struct KaplanMeier {
    /// Distinct ended times, and the estimated cumulative probability just after each.
    let times: [Double]
    let cumulative: [Double]

    init(_ durations: [ObservedDuration]) {
        let sorted = durations.sorted { ($0.days, $0.ended ? 0 : 1) < ($1.days, $1.ended ? 0 : 1) }
        var atRisk = Double(sorted.count)
        var survival = 1.0
        var times: [Double] = [], cumulative: [Double] = []
        var index = 0
        while index < sorted.count {
            let t = sorted[index].days
            var events = 0.0, leaving = 0.0
            while index < sorted.count, sorted[index].days == t {
                if sorted[index].ended { events += 1 }
                leaving += 1
                index += 1
            }
            if events > 0, atRisk > 0 {
                survival *= 1 - events / atRisk
                times.append(t)
                cumulative.append(1 - survival)
            }
            atRisk -= leaving
        }
        self.times = times
        self.cumulative = cumulative
    }

    /// The largest gap between the estimate and `cdf`, on both sides of each step.
    func distance(_ cdf: (Double) -> Double) -> Double {
        var largest = 0.0, before = 0.0
        for (t, after) in zip(times, cumulative) {
            let model = cdf(t)
            largest = max(largest, abs(after - model), abs(before - model))
            before = after
        }
        return largest
    }
}

/// The Nelder-Mead simplex method (no derivatives), for the two-parameter fits.
enum NelderMead {
    static func minimise(_ start: [Double], step: Double = 0.3, iterations: Int = 400, _ f: ([Double]) -> Double) -> [Double] {
        let n = start.count
        var simplex = [start]
        for i in 0..<n {
            var point = start
            point[i] += step
            simplex.append(point)
        }
        var values = simplex.map { value(f, $0) }
        for _ in 0..<iterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= 1e-9 * (abs(values[0]) + 1e-9) { break }
            var centroid = [Double](repeating: 0, count: n)
            for point in simplex.dropLast() { for i in 0..<n { centroid[i] += point[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1), reflectedValue = value(f, reflected)
            if reflectedValue < values[0] {
                let expanded = along(-2), expandedValue = value(f, expanded)
                (simplex[n], values[n]) = expandedValue < reflectedValue ? (expanded, expandedValue) : (reflected, reflectedValue)
            } else if reflectedValue < values[n - 1] {
                (simplex[n], values[n]) = (reflected, reflectedValue)
            } else {
                let contracted = along(reflectedValue < values[n] ? -0.5 : 0.5), contractedValue = value(f, contracted)
                if contractedValue < min(values[n], reflectedValue) {
                    (simplex[n], values[n]) = (contracted, contractedValue)
                } else {
                    for i in 1...n {
                        simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                        values[i] = value(f, simplex[i])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] } ?? 0
        return simplex[best]
    }

    private static func value(_ f: ([Double]) -> Double, _ point: [Double]) -> Double {
        let v = f(point)
        return v.isNaN ? .infinity : v
    }
}
