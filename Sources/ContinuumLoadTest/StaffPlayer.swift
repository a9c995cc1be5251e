import ContinuumClient
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import NIOHTTP1

/// Plays the front door during a load test: reads the queue, accepts each recommendation, then
/// gives each decided case one follow-up, a step-up, a step-down or a closure, in the shares
/// the scenario's routing gives the stage that holds its level (as the pathway allows).
struct StaffPlayer: Sendable {
    let client: ContinuumClient
    let scenario: Scenario
    let recorder: Recorder
    let seed: UInt64

    /// Cases worked at once: a front door has several practitioners.
    static let practitioners = 4

    func play(until end: ContinuousClock.Instant) async {
        var random = RandomSource(seed: seed, stream: 99)
        let clock = ContinuousClock()
        while clock.now < end {
            let started = clock.now
            // The 50 most urgent: more than the triage session reads for a screen (not the whole backlog).
            let queue = try? await client.exchange(.GET, "/v1/queue?limit=50")
            recorder.record("queue", status: queue?.status ?? 0, latency: clock.now - started)
            let items: [JSONValue] = { if case .array(let items)? = queue?.json?["items"] { items } else { [] } }()
            // Each case's follow-up is drawn before the work starts, so a seed gives the same
            // choices however the practitioners' requests interleave.
            let cases = items.compactMap { item -> (caseId: String, draw: Double)? in
                guard let caseId = item["caseId"]?.stringValue, item["pendingApproval"] != .bool(true) else { return nil }
                return (caseId, random.uniform())
            }
            await withTaskGroup(of: Void.self) { group in
                for start in stride(from: 0, to: Self.practitioners, by: 1) {
                    group.addTask {
                        for index in stride(from: start, to: cases.count, by: Self.practitioners) where clock.now < end {
                            await work(on: cases[index].caseId, draw: cases[index].draw)
                        }
                    }
                }
            }
            // A full page means more are waiting: read again at once. Else the queue is worked
            // down, and the front door looks again in half a second.
            if items.count < 50 { try? await Task.sleep(for: .milliseconds(500)) }
        }
    }

    /// Accepts the case's recommendation, then gives it its follow-up.
    private func work(on caseId: String, draw: Double) async {
        let body = JSONValue.object(["accept": .bool(true), "rationale": .string("load test: accept the recommendation")])
        let decided = await timed("decide") { try await client.exchange(.POST, "/v1/cases/\(caseId)/decisions", body: body.serializedBytes()) }
        guard let level = decided?.json?["level"]?.stringValue, decided?.json?["phase"]?.stringValue == "open" else { return }
        if let follow = followUp(from: level, draw: draw) {
            _ = await timed("transition") { try await client.exchange(.POST, "/v1/cases/\(caseId)/transitions", body: follow.serializedBytes()) }
        }
    }

    private func timed(_ operation: String, _ request: () async throws -> (status: Int, json: JSONValue?)) async -> (status: Int, json: JSONValue?)? {
        let clock = ContinuousClock()
        let started = clock.now
        let answer = try? await request()
        recorder.record(operation, status: answer?.status ?? 0, latency: clock.now - started)
        return answer
    }

    /// A step-up, step-down or closure the pathway allows a practitioner from `level`, chosen
    /// in the scenario's shares for the stage holding the level (no approval needed).
    private func followUp(from level: String, draw u: Double) -> JSONValue? {
        guard let model = scenario.pathwayModel else { return nil }
        let transitions = model.pathway.definition.transitions.filter { $0.from == level && $0.roles.contains(.practitioner) && !$0.needsApproval }
        var up = 0.0, down = 0.0
        if let stage = model.stageForLevel[level] {
            for route in scenario.stages[stage].routing {
                if route.kind == .stepUp || route.kind == .escalate { up += route.probability }
                if route.kind == .stepDown { down += route.probability }
            }
        }
        let kind: TransitionKind = u < up ? .stepUp : u < up + down ? .stepDown : .close
        guard let transition = transitions.first(where: { $0.kind == kind }) ?? transitions.first(where: { $0.kind == .close }) else { return nil }
        var body: [String: JSONValue] = ["kind": .string(transition.kind.rawValue), "rationale": .string("load test: \(transition.kind.rawValue)")]
        if let to = transition.to { body["to"] = .string(to) }
        if transition.kind == .close, let reason = transition.reasons?.first { body["reason"] = .string(reason.rawValue) }
        return .object(body)
    }
}
