import ArgumentParser

/// sysexits(3) codes, as scripts expect them (docs/cli.md lists them).
enum Exit {
    /// EX_USAGE: the command was called wrongly.
    static let usage = ExitCode(64)
    /// EX_DATAERR: the input (a referral or a pathway) is invalid.
    static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file does not exist or cannot be read.
    static let noInput = ExitCode(66)
}
