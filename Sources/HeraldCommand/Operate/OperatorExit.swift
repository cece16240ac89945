import ArgumentParser

/// The exit codes of the operator commands, for scripts (the BSD `sysexits` values where one fits).
enum OperatorExit {
    /// The command did what it was asked.
    static let ok: Int32 = 0
    /// Something else failed.
    static let failure: Int32 = 1
    /// The command line was wrong (ArgumentParser's usage errors).
    static let usage: Int32 = 64
    /// The request was refused as invalid (a 400, 409, 413, 415 or 422 answer).
    static let invalid: Int32 = 65
    /// What the command names does not exist (404).
    static let notFound: Int32 = 66
    /// The server cannot be reached, is shutting down, or is overloaded (connection failures, 429, 503).
    static let unavailable: Int32 = 69
    /// No valid token, or the token lacks the permission (401, 403).
    static let auth: Int32 = 77

    /// The exit code for an HTTP status.
    static func code(forStatus status: Int) -> Int32 {
        switch status {
        case 200..<300: ok
        case 401, 403: auth
        case 404: notFound
        case 429, 502, 503, 504: unavailable
        case 400..<500: invalid
        default: failure
        }
    }
}

/// An operator command's failure: the message printed, the exit code returned.
struct OperatorFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    var description: String { message }
}
