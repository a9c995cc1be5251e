import ContinuumAPI
import ContinuumCensus
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import GRDB
import Testing

/// Identity matching through the store (docs/identity.md): who joins, who waits for a person,
/// and what link, mark-different and unlink do to cases, clocks, indicators and a rebuild.
@Suite("Identity matching")
struct IdentityMatchingTests {
    static let start = StoreFixture.start
    static func at(days: Int64) -> Timestamp { start.adding(seconds: days * 86_400) }

    /// The police example's child as "Oliver Smith", born 2016-06-06, with this NHS number (or none).
    static func oliver(_ messageId: String, nhs: String?, given: String = "Oliver", family: String = "Smith", born: String = "2016-06-06",
                       previous: [String]? = nil) throws -> JSONValue {
        var value = try TestFixtures.referral(messageId).setting("child.givenName", .string(given)).setting("child.familyName", .string(family))
            .setting("child.dateOfBirth", .string(born)).setting("child.nhsNumber", nhs.map(JSONValue.string))
        if let previous { value = value.setting("child.previousNames", .array(previous.map(JSONValue.string))) }
        return value
    }

    func submit(_ fixture: StoreFixture, _ value: JSONValue, at: Timestamp = start, partner: String = "partner-a") async throws -> Submission {
        try await fixture.store.submit(try StoreFixture.referral(value, receivedAt: at), partnerId: partner, actor: StoreFixture.partner, receivedAt: at)
    }

    @Test("two Oliver Smiths born the same day with different NHS numbers are two children")
    func differentNHSNumbersNeverJoin() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        let second = try await submit(fixture, Self.oliver("O-2", nhs: "4000000020"))
        #expect(second.caseId != first.caseId && !second.joinedOpenCase && !second.reReferral)
        // Another child's NHS number with another name and date of birth does not join either: a person decides.
        let impostor = try await submit(fixture, Self.oliver("O-3", nhs: "4000000004", given: "Amelia", family: "Jones", born: "2015-01-02"))
        #expect(impostor.caseId != first.caseId && !impostor.joinedOpenCase && !impostor.reReferral)
        let matches = try await fixture.store.possibleMatches(limit: 10)
        #expect(matches.items.map(\.referral.referralId) == [impostor.referralId])
        #expect(matches.items.first?.candidate.referralId == first.referralId)
        #expect(matches.items.first?.reasons == [MatchReason.sameNHSNumberBirthDateDiffers.explanation, MatchReason.sameNHSNumberNamesDiffer.explanation])
    }

    @Test("the same NHS number and demographics joins the open case; folded names still match")
    func sameChildJoins() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        let second = try await submit(fixture, Self.oliver("O-2", nhs: "4000000004", given: "OLIVER", family: "smith"))
        #expect(second.caseId == first.caseId && second.joinedOpenCase && second.reReferral)
        #expect(try await fixture.store.possibleMatches(limit: 10).total == 0)
    }

    @Test("names and date of birth alone open a case of their own and wait for a person; no re-referral flag")
    func possibleMatchWaits() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        let second = try await submit(fixture, Self.oliver("O-2", nhs: nil))
        #expect(second.caseId != first.caseId && !second.joinedOpenCase && !second.reReferral)
        let matches = try await fixture.store.possibleMatches(limit: 10)
        #expect(matches.total == 1)
        let match = try #require(matches.items.first)
        #expect(match.referral.child.nhsNumber == nil && match.candidate.child.nhsNumber == "4000000004")
        #expect(match.referral.caseId == second.caseId && match.candidate.caseId == first.caseId)
        let queue = try await fixture.store.queue(today: UKTime.londonDate(of: Self.start))
        #expect(Set(queue.map(\.caseId)) == [first.caseId, second.caseId])
    }

    @Test("linking joins the open case (its own case is merged); the referral then counts as a re-referral")
    func linkJoins() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        let second = try await submit(fixture, Self.oliver("O-2", nhs: nil), at: Self.at(days: 1))
        let match = try #require(try await fixture.store.possibleMatches(limit: 10).items.first)
        let outcome = try await fixture.store.linkMatch(match.matchId, rationale: "Same school, same address", actor: StoreFixture.practitioner, at: Self.at(days: 1))
        #expect(outcome.joined && outcome.caseId == first.caseId && outcome.status == .linked)
        let merged = try await fixture.store.caseRecord(second.caseId, today: UKTime.londonDate(of: Self.at(days: 1)))
        #expect(merged.phase == .merged && merged.clocks.isEmpty && !merged.awaitingDecision)
        let joined = try await fixture.store.caseRecord(first.caseId, today: UKTime.londonDate(of: Self.at(days: 1)))
        #expect(joined.referrals.map(\.referralId) == [first.referralId, second.referralId])
        #expect(joined.referrals.last?.reReferral == true && joined.referrals.last?.previousReferralId == first.referralId)
        let queue = try await fixture.store.queue(today: UKTime.londonDate(of: Self.at(days: 1)))
        #expect(queue.map(\.caseId) == [first.caseId] && queue.first?.referralId == second.referralId)
        #expect(try await fixture.store.possibleMatches(limit: 10).total == 0)
        await #expect(throws: StoreError.matchResolved(id: match.matchId, status: "linked")) {
            try await fixture.store.linkMatch(match.matchId, rationale: "again", actor: StoreFixture.practitioner, at: Self.at(days: 1))
        }
        // A later referral with the NHS number is now confirmed against both, and joins.
        let third = try await submit(fixture, Self.oliver("O-3", nhs: "4000000004"), at: Self.at(days: 2))
        #expect(third.caseId == first.caseId && third.joinedOpenCase)
    }

    @Test("marked as different children, the pair is not offered again")
    func markDifferent() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        let second = try await submit(fixture, Self.oliver("O-2", nhs: nil, family: "Smith-Jones"))
        #expect(second.caseId != first.caseId)
        let third = try await submit(fixture, Self.oliver("O-3", nhs: nil, family: "Smith"), at: Self.at(days: 1))
        var matches = try await fixture.store.possibleMatches(limit: 10).items.filter { $0.referral.referralId == third.referralId }
        #expect(Set(matches.map(\.candidate.referralId)) == [first.referralId, second.referralId])
        for match in matches where match.candidate.referralId == second.referralId {
            _ = try await fixture.store.distinguishMatch(match.matchId, rationale: "Different school", actor: StoreFixture.practitioner, at: Self.at(days: 1))
        }
        let linkFirst = try #require(matches.first { $0.candidate.referralId == first.referralId })
        _ = try await fixture.store.linkMatch(linkFirst.matchId, rationale: "GP confirmed", actor: StoreFixture.practitioner, at: Self.at(days: 1))
        // The same child as O-3 again (O-3's details, with the NHS number of O-1): O-2 is not offered again.
        let fourth = try await submit(fixture, Self.oliver("O-4", nhs: "4000000004"), at: Self.at(days: 2))
        #expect(fourth.caseId == first.caseId)
        matches = try await fixture.store.possibleMatches(limit: 10).items.filter { $0.referral.referralId == fourth.referralId }
        #expect(!matches.contains { $0.candidate.referralId == second.referralId })
    }

    @Test("a practitioner's unlink waits for a manager; approved, the referral has a case of its own and nothing of it stays")
    func unlinkMovesTheReferral() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        _ = try await fixture.store.decide(caseId: first.caseId, level: nil, rationale: "Agree", overrideReason: nil, actor: StoreFixture.practitioner, at: Self.at(days: 1))
        // A mistyped NHS number on another child's referral: it joins (the same number, the same demographics).
        let wrong = try await submit(fixture, Self.oliver("O-2", nhs: "4000000004"), at: Self.at(days: 3))
        #expect(wrong.caseId == first.caseId && wrong.joinedOpenCase)
        let before = try await fixture.store.caseRecord(first.caseId, today: UKTime.londonDate(of: Self.at(days: 3)))
        #expect(before.awaitingDecision && before.referrals.count == 2)

        let asked = try await fixture.store.unlink(caseId: first.caseId, referralId: wrong.referralId, rationale: "GP says a different child",
                                                   actor: StoreFixture.practitioner, at: Self.at(days: 3))
        #expect(asked.status == .pendingApproval)
        #expect(try await fixture.store.approvals().map(\.id) == [asked.eventId])
        let approved = try await fixture.store.resolveApproval(asked.eventId, approve: true, rationale: "Agreed", actor: StoreFixture.manager, at: Self.at(days: 4))
        #expect(approved.status == .applied)

        let after = try await fixture.store.caseRecord(first.caseId, today: UKTime.londonDate(of: Self.at(days: 4)))
        #expect(after.referrals.map(\.referralId) == [first.referralId])
        #expect(!after.awaitingDecision && after.phase == .open && after.level == "targeted-support")
        #expect(after.pending == nil)
        let status = try await fixture.store.referralStatus(wrong.referralId)
        #expect(status.status.caseId != first.caseId && status.status.status == .awaitingDecision)
        let own = try await fixture.store.caseRecord(status.status.caseId, today: UKTime.londonDate(of: Self.at(days: 4)))
        #expect(own.referrals.map(\.referralId) == [wrong.referralId] && own.referrals.first?.reReferral == false)
        #expect(own.awaitingDecision && own.recommendation == "targeted-support")
        // The decision clock runs from the referral's own receipt.
        #expect(own.clocks.first { $0.clock == "referral-decision" }?.from == UKTime.londonDate(of: Self.at(days: 3)))
        #expect(own.events.first?.type == .referralMovedIn)

        // The same NHS number is now on two records marked as different children: a person decides.
        let next = try await submit(fixture, Self.oliver("O-3", nhs: "4000000004"), at: Self.at(days: 5))
        #expect(next.caseId != first.caseId && next.caseId != status.status.caseId && !next.reReferral)
        let offered = try await fixture.store.possibleMatches(limit: 10).items.filter { $0.referral.referralId == next.referralId }
        #expect(Set(offered.map(\.candidate.caseId)) == [first.caseId, status.status.caseId])
        #expect(offered.allSatisfy { $0.reasons.contains(MatchReason.conflictingRecords.explanation) })

        await #expect(throws: StoreError.cannotUnlink(caseId: first.caseId, referralId: first.referralId,
                                                      reason: "it is the case's only referral, so it already has a case of its own")) {
            try await fixture.store.unlink(caseId: first.caseId, referralId: first.referralId, rationale: "x", actor: StoreFixture.manager, at: Self.at(days: 5))
        }
    }

    @Test("an unlinked referral is its new case's referral in the census: its own date and source, not the move's")
    func unlinkedReferralInTheCensus() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        _ = try await fixture.store.decide(caseId: first.caseId, level: nil, rationale: "Agree", overrideReason: nil, actor: StoreFixture.practitioner, at: Self.at(days: 1))
        let wrongValue = try Self.oliver("O-2", nhs: "4000000004")
        let wrong = try await submit(fixture, wrongValue, at: Self.at(days: 3))
        let asked = try await fixture.store.unlink(caseId: first.caseId, referralId: wrong.referralId, rationale: "GP says a different child",
                                                   actor: StoreFixture.manager, at: Self.at(days: 6))
        #expect(asked.status == .applied)
        let own = try await fixture.store.referralStatus(wrong.referralId).status.caseId
        _ = try await fixture.store.decide(caseId: own, level: "child-in-need", rationale: "Needs an assessment", overrideReason: "More than targeted help",
                                           actor: StoreFixture.manager, at: Self.at(days: 7))
        let census = try await fixture.store.census(year: try #require(CensusYear("2026-27")), la: "936").census
        let episode = try #require(census.children.flatMap(\.episodes).first { $0.caseId == own })
        let source = try #require(wrongValue["referrer"]?["source"]?.stringValue.flatMap(ReferralSource.lookup))
        #expect(episode.referralDate == UKTime.londonDate(of: Self.at(days: 3)), "received on day 3, moved on day 6, decided on day 7")
        #expect(episode.referralSource == source && source != .laOtherInternal)
    }

    @Test("re-referrals are counted only for confirmed links, and follow link and unlink")
    func indicatorsCountConfirmedOnly() async throws {
        let fixture = try StoreFixture()
        let manager = StoreFixture.manager
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        _ = try await fixture.store.transition(caseId: first.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA",
                                               actor: manager, at: Self.at(days: 1))
        // Demographics only, a month later: possible, not counted.
        _ = try await submit(fixture, Self.oliver("O-2", nhs: nil), at: Self.at(days: 30))
        func rereferrals() async throws -> Double? {
            let report = try await fixture.store.indicators(from: CalendarDate("2026-11-01") ?? UKTime.londonDate(of: Self.start),
                                                            to: CalendarDate("2027-01-31") ?? UKTime.londonDate(of: Self.start), targets: IndicatorTargets())
            return report.json["indicators"]?.items.first { $0["id"]?.stringValue == "reReferralsWithin12MonthsPct" }?["value"].flatMap {
                switch $0 {
                case .double(let value): value
                case .integer(let value): Double(value)
                default: nil
                }
            }
        }
        #expect(try await rereferrals() == 0)
        let match = try #require(try await fixture.store.possibleMatches(limit: 10).items.first)
        let linked = try await fixture.store.linkMatch(match.matchId, rationale: "Same child", actor: manager, at: Self.at(days: 30))
        #expect(!linked.joined)  // the earlier case is closed: the link is recorded, the cases stay apart
        #expect(try await rereferrals() == 50)
        let rebuilt = try await fixture.store.rebuild()
        #expect(rebuilt.referrals == 2)
        #expect(try await rereferrals() == 50)
    }

    @Test("after link, mark-different and unlink, a rebuild gives the same tables")
    func rebuildGivesTheSameTables() async throws {
        let fixture = try StoreFixture()
        let first = try await submit(fixture, Self.oliver("O-1", nhs: "4000000004"))
        _ = try await submit(fixture, Self.oliver("O-2", nhs: nil), at: Self.at(days: 1))
        _ = try await submit(fixture, Self.oliver("O-3", nhs: nil, family: "Smith-Jones"), at: Self.at(days: 1))
        let matches = try await fixture.store.possibleMatches(limit: 10).items
        #expect(matches.count == 3)
        _ = try await fixture.store.linkMatch(matches[0].matchId, rationale: "Same child", actor: StoreFixture.practitioner, at: Self.at(days: 2))
        _ = try await fixture.store.distinguishMatch(matches[1].matchId, rationale: "Different", actor: StoreFixture.practitioner, at: Self.at(days: 2))
        let wrong = try await submit(fixture, Self.oliver("O-4", nhs: "4000000004"), at: Self.at(days: 3))
        #expect(wrong.caseId == first.caseId)
        _ = try await fixture.store.unlink(caseId: first.caseId, referralId: wrong.referralId, rationale: "Typo in the NHS number", actor: StoreFixture.manager,
                                           at: Self.at(days: 3))
        let before = try Self.dump(fixture.path)
        _ = try await fixture.store.rebuild()
        let after = try Self.dump(fixture.path)
        #expect(before == after)
        #expect(try await fixture.store.verifyChain().events > 0)
    }

    @Test("matching is an index lookup, never a scan of the child keys")
    func matchingUsesTheIndex() async throws {
        let fixture = try StoreFixture()
        let plan = try await fixture.store.matchingQueryPlan()
        #expect(plan.contains { $0.contains("USING INDEX child_keys_key") || $0.contains("USING COVERING INDEX child_keys_key") })
        #expect(!plan.contains { $0.hasPrefix("SCAN child_keys") })
    }

    @Test("a log written before identity matching keeps verifying; opened, it is replayed and its decisions stand")
    func logFromBeforeIdentityMatching() async throws {
        let fixture = try StoreFixture()
        let first = try await fixture.submit("O-1")
        let second = try await fixture.submit("O-2")
        #expect(second.caseId == first.caseId && second.reReferral)
        _ = try await fixture.submit("O-3", child: 1)
        // Rewrite the log as the version before wrote it: referral events without `identity`, the chain hashed again.
        let queue = try DatabaseQueue(path: fixture.path)
        try await queue.write { db in
            var previous = EventRecord.genesisHash
            for row in try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY sequence") {
                var body: String = row["body"]
                if (row["type"] as String) == "referral-received" {
                    body = try JSONParser().parse(body).value().setting("referral.identity", nil).serialized()
                }
                let role = try #require(Role(rawValue: row["actor_role"] as String))
                let at = try #require(Timestamp(rfc3339: row["at"] as String))
                let text = EventRecord.canonicalText(sequence: row["sequence"], caseId: row["case_id"], actor: Actor(id: row["actor_id"], role: role), at: at, body: body)
                let hash = EventRecord.chainHash(previousHash: previous, canonicalText: text)
                try db.execute(sql: "UPDATE events SET body = ?, previous_hash = ?, hash = ? WHERE sequence = ?",
                               arguments: [body, previous, hash, row["sequence"] as Int64])
                previous = hash
            }
            try db.execute(sql: """
                DROP TABLE match_reviews; DROP TABLE identity_links; DROP TABLE identity_distinctions;
                DROP INDEX referrals_received_sequence; ALTER TABLE referrals DROP COLUMN received_sequence; DELETE FROM child_keys;
                DELETE FROM grdb_migrations WHERE identifier = 'v4-identity';
                """)
        }
        #expect(try await fixture.store.verifyChain().events == 6)
        var notices: [String] = []
        let reopened = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey) { notices.append($0) }
        #expect(notices.count == 1 && notices.first?.contains("replaying its 6 events") == true, "\(notices)")
        #expect(try await reopened.verifyChain().events == 6)
        let status = try await reopened.referralStatus(second.referralId)
        #expect(status.status.caseId == first.caseId)
        // Earlier referrals are indexed under this version's keys: the same child joins, another child does not.
        let again = try await reopened.submit(try StoreFixture.referral(TestFixtures.referral("O-4")), partnerId: "partner-a",
                                              actor: StoreFixture.partner, receivedAt: StoreFixture.start)
        #expect(again.caseId == first.caseId && again.reReferral)
        #expect(try await reopened.possibleMatches(limit: 10).total == 0)
    }

    /// Every projection table's rows, sorted, as text.
    static func dump(_ path: String) throws -> [String: [String]] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var tables: [String: [String]] = [:]
            for table in ["cases", "referrals", "child_keys", "clocks", "indicator_facts", "clock_stops", "match_reviews", "identity_links", "identity_distinctions"] {
                tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { $0.description }.sorted()
            }
            return tables
        }
    }
}
