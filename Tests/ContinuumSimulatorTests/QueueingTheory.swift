import Foundation

/// Exact steady-state values for the validation networks: Erlang C for an M/M/c queue, and the
/// traffic equations of an open Jackson network (each stage then behaves as an M/M/c queue).
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
