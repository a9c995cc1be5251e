import ArgumentParser
import ContinuumCore
import Foundation

/// Why a file could not be read, in words (not Foundation's error dump).
struct FileReadError: Error, CustomStringConvertible {
    let description: String
}

/// Reading files at the edge, for the pure core.
enum Files {
    /// A file's bytes, or standard input for `-`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileReadError(description: "no such file")
        }
        if isDirectory.boolValue { throw FileReadError(description: "is a folder, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileReadError(description: FileManager.default.isReadableFile(atPath: path) ? "cannot be read" : "permission denied")
        }
        return Array(data)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}

/// `--pathway FILE`, repeatable: the versions of the pathway, each in force from its
/// `effectiveFrom` date (docs/families-first.md). Shared by the commands that route, draw or
/// open the store.
struct PathwayOption: ParsableArguments {
    @Option(name: .customLong("pathway"), help: ArgumentHelp(
        "A pathway definition; repeat it for each version in force from its effectiveFrom date (default: $CONTINUUM_PATHWAY, ':'-separated, else Pathways/surrey.json).",
        valueName: "FILE"))
    var files: [String] = []

    /// `$CONTINUUM_PATHWAY` (several versions separated by `:`, as after a migration:
    /// `Pathways/surrey.json:Pathways/families-first.json`), else `Pathways/surrey.json`.
    static var defaultPaths: [String] {
        let listed = (ProcessInfo.processInfo.environment["CONTINUUM_PATHWAY"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return listed.isEmpty ? ["Pathways/surrey.json"] : listed
    }

    /// The files given, else the default.
    var paths: [String] { files.isEmpty ? Self.defaultPaths : files }

    /// Loads one pathway file and its calendar, or exits with a message saying what is wrong.
    static func load(_ path: String) throws -> Pathway {
        guard Files.exists(path) else {
            Console.error("continuum: no pathway file at \(path); pass --pathway FILE (or run from the repository folder)")
            throw Exit.noInput
        }
        do {
            return try PathwayLoader().load(path: path, read: Files.read)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.dataError
        }
    }

    /// Loads and verifies one file, refusing a pathway with errors.
    static func loadVerified(_ path: String) throws -> VerifiedPathway {
        let definition = try load(path)
        let report = PathwayChecker.check(definition)
        guard let verified = report.verified else {
            for problem in report.errors { Console.error("\(path): \(problem)") }
            Console.error("continuum: the pathway \(path) has \(report.errors.count) error(s); run `continuum check \(path)`")
            throw Exit.dataError
        }
        return verified
    }

    /// The one pathway a command that draws works on (several versions: name one).
    func load() throws -> Pathway {
        guard paths.count == 1 else {
            Console.error("continuum: this command works on one pathway; pass a single --pathway FILE")
            throw Exit.usage
        }
        return try Self.load(paths[0])
    }

    /// Every version given, verified and checked as a set (distinct `id@version` and `effectiveFrom`).
    func loadSet() throws -> PathwaySet {
        let verified = try paths.map(Self.loadVerified)
        do {
            return try PathwaySet(verified)
        } catch {
            let named = error.indices.map { paths[$0] }.joined(separator: ", ")
            Console.error("continuum: \(named.isEmpty ? "" : "\(named): ")\(error)")
            throw Exit.dataError
        }
    }

    /// The version in force on `date` among those given.
    func loadVerified(on date: CalendarDate = Clock.today) throws -> VerifiedPathway {
        try loadSet().inForce(on: date)
    }
}

/// The current instant, for defaults.
enum Clock {
    static var now: Timestamp {
        let seconds = Date().timeIntervalSince1970
        return Timestamp(secondsSinceEpoch: Int64(seconds.rounded(.down)), milliseconds: Int((seconds - seconds.rounded(.down)) * 1000))
    }

    static var today: CalendarDate { UKTime.londonDate(of: now) }
}
