import Foundation

/// Exact steady-state values for the validation networks: Erlang C for an M/M/c queue, Erlang A
/// for one whose waiting cases renege, and the traffic equations of an open Jackson network
/// (each stage then behaves as an M/M/c queue).
enum QueueingTheory {
    struct Queue {
        /// Mean time queued before service.
        var waitDays: Double
        /// Mean number queued plus in service.
        var inSystem: Double
        var utilisation: Double
    }

    /// M/M/c with arrival rate `lambda`, service rate `mu` per server, `c` servers.
    static func mmc(lambda: Double, mu: Double, c: Int) -> Queue {
        let a = lambda / mu
        let rho = a / Double(c)
        var sum = 0.0
        var term = 1.0
        for k in 0..<c {
            if k > 0 { term *= a / Double(k) }
            sum += term
        }
        let last = term * a / Double(c)  // a^c / c!
        let tail = last / (1 - rho)
        let p0 = 1 / (sum + tail)
        let pWait = tail * p0
        let wq = pWait / (Double(c) * mu - lambda)
        return Queue(waitDays: wq, inSystem: lambda * wq + a, utilisation: rho)
    }

    /// M/M/c+M (Erlang A, Palm's model): M/M/c where each waiting case leaves after an
    /// exponential patience of rate `theta`. A birth-death chain (birth λ, death min(n, c)μ +
    /// max(n − c, 0)θ), stable at any load, solved in log space up to `states`.
    struct Reneging {
        var inSystem: Double
        var utilisation: Double
        /// Cases leaving the queue per day: θ E[queued].
        var renegedPerDay: Double
        var throughputPerDay: Double
        /// Mean wait of the cases that are served (FCFS).
        var servedWaitDays: Double
        /// The probability of leaving unserved, computed a second way (by PASTA and each
        /// arrival's chance of reaching service from its place in the queue): must equal
        /// renegedPerDay / λ, a check on the calculator itself.
        var abandonProbability: Double
    }

    static func erlangA(lambda: Double, mu: Double, c: Int, theta: Double, states: Int = 20_000) -> Reneging {
        var logP = [0.0]
        for n in 1..<states {
            let rate = Double(min(n, c)) * mu + Double(max(n - c, 0)) * theta
            logP.append(logP[n - 1] + log(lambda / rate))
        }
        let top = logP.max() ?? 0
        let weights = logP.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        let p = weights.map { $0 / total }
        var inSystem = 0.0, queued = 0.0, busy = 0.0
        for (n, probability) in p.enumerated() {
            inSystem += Double(n) * probability
            queued += Double(max(n - c, 0)) * probability
            busy += Double(min(n, c)) * probability
        }
        // A case arriving with j cases ahead of it in the queue moves up at rate cμ + jθ and
        // leaves at rate θ: S[j] = P(served), T[j] = E[wait; served].
        let cmu = Double(c) * mu
        var s = [cmu / (cmu + theta)]
        var t = [s[0] / (cmu + theta)]
        for j in 1..<(states - c) {
            let rate = cmu + Double(j + 1) * theta
            let up = (cmu + Double(j) * theta) / rate
            s.append(up * s[j - 1])
            t.append(up * (s[j - 1] / rate + t[j - 1]))
        }
        var served = 0.0, waitServed = 0.0
        for (n, probability) in p.enumerated() {
            if n < c {
                served += probability
            } else {
                served += probability * s[n - c]
                waitServed += probability * t[n - c]
            }
        }
        let reneged = theta * queued
        return Reneging(inSystem: inSystem, utilisation: busy / Double(c), renegedPerDay: reneged, throughputPerDay: lambda - reneged,
                        servedWaitDays: waitServed / served, abandonProbability: 1 - served)
    }

    /// The traffic equations λ = λ0 + λ·P, solved by iteration (the network is open, so it converges).
    static func throughputs(external: [Double], routing: [[Double]]) -> [Double] {
        var lambda = external
        for _ in 0..<10_000 {
            var next = external
            for i in lambda.indices {
                for j in lambda.indices { next[j] += lambda[i] * routing[i][j] }
            }
            let change = zip(next, lambda).map { abs($0 - $1) }.max() ?? 0
            lambda = next
            if change < 1e-12 { break }
        }
        return lambda
    }
}
