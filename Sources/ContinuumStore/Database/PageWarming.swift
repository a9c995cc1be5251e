import GRDB

/// Warming the operating system's page cache for projections read in log order (issues 7, 18).
enum PageWarming {
    /// Reads the tables' pages ahead of a long read in log order (the indicators report, the
    /// census), several ranges at a time, so that the operating system caches them meanwhile.
    ///
    /// The report reads the facts in log order through one cursor, and their pages lie
    /// scattered through the database file among the events and cases written at the same
    /// moments: from a cold page cache (a server that has not reported for a while; this
    /// machine's VM reclaims idle cache by itself) that was one random read at a time, and the
    /// million-referral report took 14 to 17 s instead of 5 to 7. Read as ranges by `readers`
    /// connections at once, the same pages arrive several times faster (one stream 3.0 s, eight
    /// 0.9 s, measured here), ahead of the report's cursor. Four readers: the pool has five
    /// connections and the report holds one. Only the cache is warmed: the counts are thrown
    /// away, and a failure or cancellation just stops the warming.
    static func warm(_ pool: DatabasePool, tables: [String], readers: Int = 4, rangesPerTable: Int = 64) async {
        var ranges: [(table: String, low: Int64, high: Int64)] = []
        for table in tables {
            // Rowid tables (`sequence` is the facts' rowid), so a rowid range is a contiguous
            // stretch of the table's leaf pages.
            // (Plain integers back, not a `Row`: the async `read` hands over only Sendable values,
            // and a `Row` would pick the blocking overload.)
            let bounds = try? await pool.read { db -> [Int64?] in
                guard let row = try Row.fetchOne(db, sql: "SELECT min(rowid), max(rowid) FROM \(table)") else { return [] }
                return [row[0], row[1]]
            }
            guard let bounds, bounds.count == 2, let low = bounds[0], let high = bounds[1] else { continue }
            let step = max(1, (high - low + 1) / Int64(rangesPerTable) + 1)
            var start = low
            while start <= high {
                ranges.append((table, start, min(high, start + step - 1)))
                start += step
            }
        }
        let work = ranges
        let streams = max(1, readers)
        await withTaskGroup(of: Void.self) { group in
            // Reader r takes ranges r, r + streams, …: together they move through each table
            // from its start, as the reading cursor does.
            for reader in 0..<streams {
                group.addTask {
                    for index in stride(from: reader, to: work.count, by: streams) {
                        if Task.isCancelled { return }
                        let range = work[index]
                        let counted = try? await pool.read { db in
                            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(range.table) WHERE rowid BETWEEN ? AND ?",
                                             arguments: [range.low, range.high])
                        }
                        if counted == nil { return }
                    }
                }
            }
        }
    }

}
