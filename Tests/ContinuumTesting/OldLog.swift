import ContinuumJSON
import Foundation
import GRDB

/// The event log the first version with a wire golden wrote (2026-11-29), kept as it was: a log
/// with personal data in the clear that every later version must verify, encrypt and rebuild.
public enum OldLog {
    /// Its rows: one array of the nine `events` columns per event.
    public static func rows() throws -> [[JSONValue]] {
        try String(contentsOf: URL(fileURLWithPath: TestFixtures.path("Tests/ContinuumServerTests/Golden/event-log-2026-11-29.txt")), encoding: .utf8)
            .split(separator: "\n").map { line in
                guard case .array(let columns) = try JSONParser().parse(String(line)).value(), columns.count == 9 else {
                    throw OldLogError.malformed(String(line.prefix(40)))
                }
                return columns
            }
    }

    /// Writes the rows into the `events` table of the (store-created, empty) database at `path`,
    /// marked for encryption as migration v8 marks a database whose log holds personal data.
    public static func write(_ rows: [[JSONValue]], into path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            for columns in rows {
                let values: [DatabaseValue] = columns.map { column in
                    if case .integer(let number) = column { return number.databaseValue }
                    return (column.stringValue ?? "").databaseValue
                }
                try db.execute(sql: "INSERT INTO events (sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: StatementArguments(values))
            }
            try db.execute(sql: "INSERT INTO key_store (name, value) VALUES ('encrypt_pending', 'v8')")
        }
        try queue.close()
    }

    public enum OldLogError: Error {
        case malformed(String)
    }
}
