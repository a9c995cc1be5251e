import ArgumentParser
import ContinuumStore

/// sysexits(3) codes, as scripts expect them (docs/cli.md lists them).
enum Exit {
    /// EX_USAGE: the command was called wrongly.
    static let usage = ExitCode(64)
    /// EX_DATAERR: the input (a referral or a pathway) is invalid.
    static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file does not exist or cannot be read.
    static let noInput = ExitCode(66)
}

extension Exit {
    /// EX_UNAVAILABLE: a service (the server, the database) cannot be reached or opened.
    static let unavailable = ExitCode(69)
    /// EX_SOFTWARE: an internal check failed (the event log's hash chain is broken).
    static let software = ExitCode(70)
    /// EX_CANTCREAT: an output file cannot be written.
    static let cannotCreate = ExitCode(73)
    /// EX_NOPERM: the server refused the token.
    static let notPermitted = ExitCode(77)
    /// EX_CONFIG: the master key is missing, unreadable or not this database's; PostgreSQL
    /// refused the URL's user.
    static let configuration = ExitCode(78)

    /// 78 for a store error about the master key or a user PostgreSQL refused, 73 for a database
    /// that cannot be created, 69 for any other.
    static func forStore(_ error: any Error) -> ExitCode {
        if case .refused? = error as? SharedLogError { return configuration }
        return switch error as? StoreError {
        case .masterKeyRequired?, .wrongMasterKey?, .keyRotationUnfinished?, .databaseRefused?: configuration
        case .cannotCreate?: cannotCreate
        default: unavailable
        }
    }
}
