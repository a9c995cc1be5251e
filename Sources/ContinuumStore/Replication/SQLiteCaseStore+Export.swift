import ContinuumCore
import ContinuumJSON
import GRDB

/// A part of what `continuum store copy` reads, in the order a shared log takes it: the records
/// beside the log first (the data keys every event needs), then the events.
public enum ExportPart: Sendable {
    case changes([RowChange])
    case events([SharedEvent], messages: [MessageClaim])
}

extension SQLiteCaseStore {
    /// Reads the event log and the records beside it from one snapshot (a server may be writing:
    /// WAL readers see the database as it was when the read began), in parts of at most
    /// `chunkSize` rows, for ``ExportPart``'s consumer (a shared log's appends). Reads no
    /// personal data: sealed values are copied as they are stored.
    /// - Returns: how many events were read, and the last one's hash.
    public func export(chunkSize: Int, _ sink: @escaping @Sendable (ExportPart) throws -> Void) async throws -> (events: Int64, lastHash: String) {
        try await read { db in
            var sequence: Int64 = 0
            var changes: [RowChange] = []
            for (table, key) in ReplicatedTables.all {
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) ORDER BY " + key.joined(separator: ", "))
                while let row = try rows.next() {
                    var keyObject: [String: JSONValue] = [:]
                    for column in key {
                        let value: DatabaseValue = row[column]
                        switch value.storage {
                        case .int64(let number): keyObject[column] = .integer(number)
                        case .string(let text): keyObject[column] = .string(text)
                        default: keyObject[column] = .null
                        }
                    }
                    sequence += 1
                    changes.append(RowChange(sequence: sequence, table: table, key: JSONValue.object(keyObject).serialized(), row: try Replica.json(row, table: table)))
                    if changes.count == chunkSize {
                        try sink(.changes(changes))
                        changes = []
                    }
                }
            }
            if !changes.isEmpty { try sink(.changes(changes)) }

            var count: Int64 = 0
            var lastHash = EventRecord.genesisHash
            var events: [SharedEvent] = []
            func flush() throws {
                guard let first = events.first?.sequence, let last = events.last?.sequence else { return }
                let messages = try Row.fetchAll(db, sql: "SELECT partner_id, message_id, referral_id FROM referrals WHERE received_sequence BETWEEN ? AND ?",
                                                arguments: [first, last])
                    .map { MessageClaim(partnerId: $0["partner_id"], messageId: $0["message_id"], referralId: $0["referral_id"]) }
                try sink(.events(events, messages: messages))
                events = []
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY sequence")
            while let row = try rows.next() {
                let event = Replica.sharedEvent(row)
                events.append(event)
                count += 1
                lastHash = event.hash
                if events.count == chunkSize { try flush() }
            }
            try flush()
            return (count, lastHash)
        }
    }
}
