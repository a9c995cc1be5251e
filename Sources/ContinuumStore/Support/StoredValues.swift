import ContinuumAPI
import ContinuumCore
import GRDB

/// Reading values back from the projection tables: a value that does not parse is a damaged
/// table (``StoreError/projectionBroken(table:sequence:reason:)``, whose message says to run
/// `continuum rebuild`), never a default such as the epoch.
enum StoredValues {
    static func timestamp(_ row: Row, _ column: String, table: String, id: String) throws -> Timestamp {
        let text: String? = row[column]
        guard let text, let timestamp = Timestamp(rfc3339: text) else {
            throw StoreError.projectionBroken(table: table, sequence: 0, reason: "\(id) has \(column) \(text.map { "\"\($0)\"" } ?? "missing"), not an RFC 3339 time")
        }
        return timestamp
    }

    static func phase(_ row: Row, _ column: String, table: String, id: String) throws -> CaseState.Phase {
        let text: String? = row[column]
        guard let text, let phase = CaseState.Phase(rawValue: text) else {
            throw StoreError.projectionBroken(table: table, sequence: 0, reason: "\(id) has \(column) \(text.map { "\"\($0)\"" } ?? "missing"), not a case phase")
        }
        return phase
    }
}
