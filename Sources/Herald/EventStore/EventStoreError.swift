/// An event store refused a request for a reason other than a revision conflict (that is
/// ``WrongExpectedRevisionError``). The message names the offending value and what to do.
public struct EventStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Code: String, Sendable, Hashable {
        /// A stream name breaks ``StreamName``'s rule.
        case invalidStreamName
        /// The append itself is malformed (no events, or an event id twice in one append).
        case invalidAppend
        /// The store is closed.
        case closed
        /// The store's storage or server failed; ``EventStoreError/isRetryable`` says whether to retry.
        case unavailable
    }

    /// What kind of failure it is.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// Whether the same request may succeed later.
    public let isRetryable: Bool

    /// Creates an error.
    public init(code: Code, message: String, isRetryable: Bool = false) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
    }

    /// A stream name breaks the rule.
    public static func invalidStreamName(_ name: String, reason: String) -> Self {
        Self(
            code: .invalidStreamName,
            message: "invalid stream name '\(name)': \(reason); use 1 to \(StreamName.maximumBytes) bytes without whitespace, as 'order-A-17'")
    }

    /// A malformed append.
    public static func invalidAppend(stream: String, reason: String) -> Self {
        Self(code: .invalidAppend, message: "invalid append to stream '\(stream)': \(reason)")
    }

    /// The store is closed.
    public static func closed() -> Self {
        Self(code: .closed, message: "the event store is closed; open a new one")
    }

    /// The storage or server failed.
    public static func unavailable(_ detail: String, isRetryable: Bool = true) -> Self {
        Self(code: .unavailable, message: "the event store is unavailable: \(detail)", isRetryable: isRetryable)
    }

    /// `EventStoreError(code): message`.
    public var description: String { "EventStoreError(\(code.rawValue)): \(message)" }
}
