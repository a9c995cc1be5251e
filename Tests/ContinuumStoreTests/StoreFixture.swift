import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation

/// A fresh SQLite store in a temporary folder, and helpers to feed it referrals.
struct StoreFixture {
    let store: SQLiteCaseStore
    let path: String
    let pathway: VerifiedPathway

    static let partner = Actor(id: "T-PARTNER", role: .partner)
    static let practitioner = Actor(id: "T-PRACT", role: .practitioner)
    static let manager = Actor(id: "T-MANAGER", role: .manager)
    static let start = TestFixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-store-\(UUID().uuidString)")
        path = folder.appendingPathComponent("continuum.sqlite").path
        pathway = try TestFixtures.surrey()
        store = try SQLiteCaseStore(path: path, pathway: pathway)
    }

    /// A referral decoded as the server would, from a JSON tree.
    static func referral(_ value: JSONValue, receivedAt: Timestamp = start) throws -> Referral {
        try ReferralReader().read(value.serializedBytes(), receivedAt: receivedAt)
    }

    func submit(_ messageId: String, child: Int? = nil, nhs: Bool = true, example: String = "police-domestic-abuse", at: Timestamp = start,
                partner: String = "partner-a") async throws -> Submission {
        let referral = try Self.referral(TestFixtures.referral(messageId, child: child, nhs: nhs, from: example), receivedAt: at)
        return try await store.submit(referral, partnerId: partner, actor: Self.partner, receivedAt: at)
    }
}
