/// Another handler holds the event's idempotency key and has not finished: this delivery is a duplicate
/// arriving while the original is still being handled.
///
/// Retryable (it is not a ``PermanentFailure``): when the delivery comes back, the original will have
/// completed (and this one is stopped as a duplicate) or failed (and this one proceeds).
public struct IdempotencyInProgressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The idempotency key.
    public let key: String
    /// The id of the event that found the key held.
    public let eventID: String

    /// Creates the error for event `eventID`, whose key `key` is held.
    public init(key: String, eventID: String) {
        self.key = key
        self.eventID = eventID
    }

    /// What went wrong, naming the key and the event.
    public var message: String {
        "idempotency key '\(key)' of event '\(eventID)' is being handled by another delivery; try again later"
    }

    /// The message, prefixed with the error's type.
    public var description: String { "IdempotencyInProgressError: \(message)" }
}
