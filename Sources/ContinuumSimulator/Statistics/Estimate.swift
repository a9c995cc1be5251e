/// A mean over replications with its 95% confidence interval (Student's t).
public struct Estimate: Sendable, Hashable, Codable {
    public var mean: Double
    public var low: Double
    public var high: Double
    /// Half the interval's width.
    public var halfWidth: Double { (high - low) / 2 }

    public init(_ samples: [Double]) {
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / max(n, 1)
        guard samples.count > 1 else {
            self.mean = mean
            low = mean
            high = mean
            return
        }
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let half = Self.t975(degrees: samples.count - 1) * (variance / n).squareRoot()
        self.mean = mean
        low = mean - half
        high = mean + half
    }

    /// The 97.5% quantile of Student's t with `degrees` degrees of freedom.
    static func t975(degrees: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if degrees >= 1 && degrees <= table.count { return table[degrees - 1] }
        if degrees <= 60 { return 2.000 }
        if degrees <= 120 { return 1.980 }
        return 1.960
    }

    /// Whether two estimates differ significantly (Welch's t-test at 5%, from the samples).
    public static func differ(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count > 1, b.count > 1 else { return false }
        func stats(_ x: [Double]) -> (Double, Double, Double) {
            let n = Double(x.count)
            let m = x.reduce(0, +) / n
            return (m, x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1), n)
        }
        let (ma, va, na) = stats(a)
        let (mb, vb, nb) = stats(b)
        let se = (va / na + vb / nb).squareRoot()
        guard se > 0 else { return ma != mb }
        let degrees = pow(va / na + vb / nb, 2) / (pow(va / na, 2) / (na - 1) + pow(vb / nb, 2) / (nb - 1))
        return abs(ma - mb) / se > t975(degrees: Int(degrees.rounded(.down)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
