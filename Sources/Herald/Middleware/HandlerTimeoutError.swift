/// A handler did not finish within the limit of its ``TimeoutMiddleware`` and was cancelled.
///
/// Retryable (it is not a ``PermanentFailure``): a slow dependency may answer in time on the next try.
public struct HandlerTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The limit that was exceeded.
    public let limit: Duration
    /// The id of the event being handled.
    public let eventID: String
    /// The type of the event being handled.
    public let eventType: String

    /// Creates the error for the handling of event `eventID` of type `eventType` that exceeded `limit`.
    public init(limit: Duration, eventID: String, eventType: String) {
        self.limit = limit
        self.eventID = eventID
        self.eventType = eventType
    }

    /// What went wrong, naming the event and the limit.
    public var message: String {
        "the handler of event '\(eventID)' of type '\(eventType)' did not finish within \(limit) and was cancelled"
    }

    /// The message, prefixed with the error's type.
    public var description: String { "HandlerTimeoutError: \(message)" }
}
