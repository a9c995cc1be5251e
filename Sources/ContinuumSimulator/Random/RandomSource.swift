/// The simulator's random numbers: xoshiro256** seeded through SplitMix64 (Blackman and Vigna,
/// https://prng.di.unimi.it). Fast, statistically strong, and the same stream on every platform,
/// so a scenario and a seed always give the same results.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for replication `stream` of a run seeded with `seed`: each replication has
    /// its own stream, so results do not depend on how replications are spread over cores.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed &+ stream &* 0x9E37_79B9_7F4A_7C15
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform on (0, 1): never 0, so `log` is always finite.
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Standard normal (Marsaglia's polar method; the spare value is dropped for simplicity of state).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Exponential with the given mean, by the ziggurat method (about 99% of draws take one
    /// 64-bit number, a table read and a multiply; `log` only in the rare wedge and tail
    /// cases), where `-mean * log(uniform())` pays for a `log` on every draw.
    public mutating func exponential(mean: Double) -> Double {
        mean * standardExponential()
    }

    /// Exponential with mean 1 (see ``ExponentialZiggurat``).
    public mutating func standardExponential() -> Double {
        while true {
            let bits = next()
            let layer = Int(bits & 0xFF)
            // The top 52 bits as a fraction in [0, 1); the low 8 chose the layer.
            let x = Double(bits >> 12) * 0x1.0p-52 * ExponentialZiggurat.x[layer]
            if x < ExponentialZiggurat.x[layer + 1] { return x }  // inside the layer's rectangle under the curve
            if layer == 0 { return ExponentialZiggurat.r - log(uniform()) }  // the tail, by memorylessness
            let f = ExponentialZiggurat.f
            if f[layer + 1] + (f[layer] - f[layer + 1]) * uniform() < exp(-x) { return x }  // the wedge
        }
    }

    /// Gamma(shape, scale) by Marsaglia and Tsang (2000); shape < 1 by the boost u^(1/shape).
    public mutating func gamma(shape: Double, scale: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1, scale: scale) * pow(uniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
