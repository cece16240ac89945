/// A broker did not behave as the conformance suite requires.
public struct ConformanceFailure: Error, CustomStringConvertible, Sendable {
    /// What was expected and what happened.
    public let message: String
    /// Where the check is, for finding it quickly.
    public let location: String

    /// Creates a failure.
    public init(_ message: String, file: StaticString = #fileID, line: UInt = #line) {
        self.message = message
        self.location = "\(file):\(line)"
    }

    public var description: String { "\(message) (\(location))" }
}

/// Throws ``ConformanceFailure`` with `message` unless `condition` holds.
func check(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) throws {
    if !condition() {
        throw ConformanceFailure(message(), file: file, line: line)
    }
}

/// Throws ``ConformanceFailure`` unless `actual == expected`.
func checkEqual<T: Equatable>(
    _ actual: T,
    _ expected: T,
    _ what: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) throws {
    if actual != expected {
        throw ConformanceFailure("\(what()): expected \(expected), got \(actual)", file: file, line: line)
    }
}
