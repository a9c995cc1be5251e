import ContinuumPostgres
import Testing

/// `--database` as a PostgreSQL URL (issue 17): what is read from it, and that the password is
/// never in what is printed.
@Suite("PostgreSQL URLs")
struct PostgresLocationTests {
    @Test("postgres:// and postgresql:// name user, password, host, port, database and sslmode")
    func parses() throws {
        let full = try PostgresLocation("postgres://router:s3cr%40t@db.council.example:6543/continuum?sslmode=verify-full", environment: [:])
        #expect(full.user == "router" && full.password == "s3cr@t" && full.host == "db.council.example" && full.port == 6543)
        #expect(full.database == "continuum" && full.sslMode == .verifyFull)
        let short = try PostgresLocation("postgresql://router@127.0.0.1/continuum", environment: [:])
        #expect(short.port == 5432 && short.sslMode == .prefer && short.password == nil)
    }

    @Test("the password comes from the URL, else PGPASSWORD; it is never in the description")
    func password() throws {
        let fromEnvironment = try PostgresLocation("postgres://router@host/db", environment: ["PGPASSWORD": "from-env"])
        #expect(fromEnvironment.password == "from-env")
        let fromURL = try PostgresLocation("postgres://router:from-url@host/db", environment: ["PGPASSWORD": "from-env"])
        #expect(fromURL.password == "from-url")
        #expect(!fromURL.description.contains("from-url") && fromURL.description == "postgres://router@host:5432/db")
    }

    @Test("a URL that is not one says what is missing, without its password", arguments: [
        ("postgres://host/db", "no user"),
        ("postgres://router:pw@/db", "no host"),
        ("postgres://router:pw@host", "no database"),
        ("postgres://router:pw@host/db?sslmode=sometimes", "sslmode \"sometimes\" is not one of disable, allow, prefer, require, verify-ca, verify-full"),
        ("postgres://router:pw@host/db?timeout=3", "unknown URL parameter \"timeout\""),
    ])
    func refuses(url: String, reason: String) {
        #expect {
            _ = try PostgresLocation(url, environment: [:])
        } throws: { error in
            guard let invalid = error as? PostgresLocation.Invalid else { return false }
            return invalid.reason.contains(reason) && !invalid.description.contains(":pw@")
        }
    }

    @Test("a path is an SQLite file; a postgres:// URL is a shared store")
    func storeLocation() throws {
        #expect(try !StoreLocation("data/continuum.sqlite").isShared)
        #expect(try StoreLocation("data/continuum.sqlite").description == "data/continuum.sqlite")
        #expect(try StoreLocation("postgres://router:pw@host/db").isShared)
        #expect(try StoreLocation("postgres://router:pw@host/db").description == "postgres://router@host:5432/db")
    }
}
