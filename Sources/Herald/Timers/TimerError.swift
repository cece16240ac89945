/// A timer store refused a request. The message names the offending value and what to do.
public struct TimerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Code: String, Sendable, Hashable {
        /// A timer is malformed (an empty or oversize id, an empty topic).
        case invalidTimer
        /// The store is closed.
        case closed
        /// The store's storage or server failed; ``TimerError/isRetryable`` says whether to retry.
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

    /// The longest timer id, in UTF-8 bytes.
    public static let maximumIDBytes = 512

    /// Checks a timer's id and topic.
    ///
    /// - Throws: ``TimerError/Code/invalidTimer`` naming the rule broken.
    public static func validate(_ timer: ScheduledEvent) throws(TimerError) {
        if timer.id.isEmpty || timer.id.utf8.count > maximumIDBytes {
            throw TimerError(code: .invalidTimer, message: "invalid timer id '\(timer.id.prefix(40))': use 1 to \(maximumIDBytes) bytes")
        }
        if timer.topic.isEmpty {
            throw TimerError(code: .invalidTimer, message: "timer '\(timer.id)' names no topic: name the topic its event is published to")
        }
    }

    /// The store is closed.
    public static func closed() -> Self {
        Self(code: .closed, message: "the timer store is closed; open a new one")
    }

    /// The storage or server failed.
    public static func unavailable(_ detail: String, isRetryable: Bool = true) -> Self {
        Self(code: .unavailable, message: "the timer store is unavailable: \(detail)", isRetryable: isRetryable)
    }

    /// `TimerError(code): message`.
    public var description: String { "TimerError(\(code.rawValue)): \(message)" }
}
