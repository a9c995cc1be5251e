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

/// `--pathway FILE`, shared by the commands that route or draw.
struct PathwayOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pathway definition to use.", valueName: "FILE"))
    var pathway: String = PathwayOption.defaultPath

    /// `$CONTINUUM_PATHWAY`, else `Pathways/surrey.json` in the current folder.
    static var defaultPath: String {
        ProcessInfo.processInfo.environment["CONTINUUM_PATHWAY"] ?? "Pathways/surrey.json"
    }

    /// Loads the pathway file and its calendar, or exits with a message saying what is wrong.
    func load() throws -> Pathway {
        guard Files.exists(pathway) else {
            Console.error("continuum: no pathway file at \(pathway); pass --pathway FILE (or run from the repository folder)")
            throw Exit.noInput
        }
        do {
            return try PathwayLoader().load(path: pathway, read: Files.read)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.dataError
        }
    }

    /// Loads and verifies, refusing a pathway with errors.
    func loadVerified() throws -> VerifiedPathway {
        let definition = try load()
        let report = PathwayChecker.check(definition)
        guard let verified = report.verified else {
            for problem in report.errors { Console.error("\(pathway): \(problem)") }
            Console.error("continuum: the pathway \(pathway) has \(report.errors.count) error(s); run `continuum check \(pathway)`")
            throw Exit.dataError
        }
        return verified
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
