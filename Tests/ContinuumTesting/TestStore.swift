import ContinuumCore
import ContinuumPostgres
import ContinuumStore
import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// Which store the end-to-end suite runs on (issue 17): SQLite files by default; PostgreSQL when
/// `CONTINUUM_TEST_POSTGRES` holds a cluster's admin URL (`make test` starts a throwaway cluster
/// and runs the server suite a second time with it). The same tests run on both.
public enum TestStore {
    /// The test cluster's admin URL, when the suite runs on PostgreSQL.
    public static var postgresAdmin: String? {
        ProcessInfo.processInfo.environment["CONTINUUM_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the suite runs on PostgreSQL.
    public static var isPostgres: Bool { postgresAdmin != nil }

    /// A new, empty database for one test: an SQLite file in `folder`, or a new database on the
    /// test cluster (its URL).
    public static func make(in folder: URL) throws -> String {
        guard let admin = postgresAdmin else { return folder.appendingPathComponent("continuum.sqlite").path }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try administer(admin, "CREATE DATABASE \(name)")
        var location = try PostgresLocation(admin)
        location.database = name
        return "postgres://\(location.user)@\(location.host):\(location.port)/\(name)?sslmode=disable"
    }

    /// Opens a database ``make(in:)`` made, as a command would (on PostgreSQL, with a new replica
    /// in `folder`), with Surrey's pathway and the test master key.
    public static func open(_ database: String, in folder: URL) throws -> SQLiteCaseStore {
        let replica = folder.appendingPathComponent("replica-\(UUID().uuidString).sqlite").path
        return try StoreLocation(database).open(pathways: PathwaySet(single: try TestFixtures.surrey()), masterKey: TestFixtures.masterKey, replica: replica)
    }

    /// Drops a database ``make(in:)`` made on the cluster (an SQLite file goes with its folder).
    public static func drop(_ database: String) {
        guard let admin = postgresAdmin, PostgresLocation.isURL(database), let location = try? PostgresLocation(database) else { return }
        try? administer(admin, "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)")
    }

    /// A count from a test database on the cluster (what PostgreSQL itself holds).
    public static func count(_ database: String, _ sql: String) throws -> Int64 {
        try run(database, sql).first?.decode(Int64.self) ?? 0
    }

    /// Runs one statement as the cluster's administrator (a role or a database for a test).
    public static func administer(_ statement: String) throws {
        guard let admin = postgresAdmin else { return }
        try administer(admin, statement)
    }

    private static func administer(_ admin: String, _ statement: String) throws {
        _ = try run(admin, statement)
    }

    /// Runs one statement on its own connection (blocking: the tests' set-up and checks).
    private static func run(_ database: String, _ sql: String) throws -> [PostgresRow] {
        let location = try PostgresLocation(database)
        let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user, password: location.password,
                                                             database: location.database, tls: .disable)
        let logger = Logger(label: "continuum.tests.postgres")
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger).wait()
        defer { _ = try? connection.close().wait() }
        return try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait().rows
    }
}
