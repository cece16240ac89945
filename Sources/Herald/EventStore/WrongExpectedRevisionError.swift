/// An append's expected revision did not hold: another writer appended first (or the stream is not in
/// the state the caller believed). Nothing was written. Load the stream again, decide again, and append
/// with the new revision, or report the conflict.
public struct WrongExpectedRevisionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stream appended to.
    public let stream: String
    /// What the append expected.
    public let expected: ExpectedRevision
    /// The stream's last revision when the append was refused; `nil` when the stream did not exist.
    public let actual: UInt64?

    /// Creates the error.
    public init(stream: String, expected: ExpectedRevision, actual: UInt64?) {
        self.stream = stream
        self.expected = expected
        self.actual = actual
    }

    /// What went wrong and what to do.
    public var description: String {
        let found = actual.map { "is at revision \($0)" } ?? "does not exist"
        return
            "WrongExpectedRevisionError: stream '\(stream)' \(found), but the append expected \(expected); nothing was written. Load the stream again and decide with its current state"
    }
}
