import ContinuumJSON

/// Why a pathway file could not be loaded (before any semantic check runs).
public enum PathwayLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not JSON.
    case syntax(path: String, JSONSyntaxError)
    /// The JSON is not a pathway definition: the first problem found, with its JSON path.
    case invalid(path: String, JSONProblem)
    /// The bank-holiday calendar it names is missing or malformed.
    case calendar(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .syntax(let path, let error): "\(path): \(error)"
        case .invalid(let path, let problem): "\(path): \(problem.path): \(problem.message)"
        case .calendar(let message): message
        }
    }
}
