/// A ``Consumer`` cannot start as it was set up: a setting out of range, or two handlers registered for the
/// same events. The message names the setting or the registration and says what to change.
public struct ConsumerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of mistake it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A configuration setting is out of range.
        public static let invalidSetting = Code("invalidSetting")
        /// A second handler was registered for an event type (or for every event) of a topic.
        public static let duplicateHandler = Code("duplicateHandler")
        /// A command type has more than one handler (in one consumer, or in two groups reading one topic).
        public static let duplicateCommandHandler = Code("duplicateCommandHandler")
        /// Middleware in an order that silently defeats one of them (retries outside dead letters).
        public static let misorderedMiddleware = Code("misorderedMiddleware")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of mistake it is.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `setting` is `value`, which breaks `rule`.
    public static func invalidSetting(_ setting: String, value: String, rule: String) -> Self {
        Self(.invalidSetting, message: "ConsumerConfiguration.\(setting) = \(value) is invalid; it \(rule)")
    }

    /// A second handler for events of `eventType` (`nil`: the handler of any event) on `topic`.
    public static func duplicateHandler(topic: String, eventType: String?) -> Self {
        let what = eventType.map { "events of type '\($0)'" } ?? "any event (handleAnyEvent)"
        return Self(
            .duplicateHandler,
            message:
                "a second handler was registered for \(what) on topic '\(topic)'; the first would be silently replaced. Register one handler and branch inside it"
        )
    }

    /// Command type `commandType` is handled in more than one place: on each of `topics` (one consumer),
    /// or by each of `groups` on one topic (``Consumer/checkCommandHandlers(_:)``).
    public static func duplicateCommandHandler(commandType: String, topics: [String], groups: [String] = []) -> Self {
        let places =
            groups.isEmpty
            ? "on topics \(topics.map { "'\($0)'" }.joined(separator: " and "))"
            : "by groups \(groups.map { "'\($0)'" }.joined(separator: " and ")) on topic '\(topics.first ?? "?")'"
        return Self(
            .duplicateCommandHandler,
            message: "command type '\(commandType)' has more than one handler (\(places)); a command is carried out once, by one handler: "
                + "keep one, and make the others subscribe to the event the handler publishes when it is done"
        )
    }

    /// A ``RetryMiddleware`` at `retry` in a replaced middleware list is outside the
    /// ``DeadLetterMiddleware`` at `deadLetter`: dead-lettering would settle every failure first and the
    /// retries would never run.
    public static func misorderedMiddleware(retry: Int, deadLetter: Int) -> Self {
        Self(
            .misorderedMiddleware,
            message: "RetryMiddleware (position \(retry)) is outside DeadLetterMiddleware (position \(deadLetter)): failures would be settled "
                + "before any retry, so nothing would be retried. Put RetryMiddleware after DeadLetterMiddleware, or use a FailurePolicy, "
                + "which builds both in the right order"
        )
    }

    /// The message, prefixed with the error's type.
    public var description: String { "ConsumerConfigurationError: \(message)" }
}
