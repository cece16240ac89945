/// An idempotency key arrived with a payload different from the one it was first used with.
///
/// A permanent failure (``PermanentFailure``): the producer reused a key, or changed an event while
/// keeping its key. Retrying cannot help; the event is dead-lettered so that someone looks at it. Treating
/// it as a duplicate would silently drop the new payload.
public struct IdempotencyConflictError: Error, Sendable, Hashable, CustomStringConvertible, PermanentFailure {
    /// The idempotency key.
    public let key: String
    /// The id of the event that brought the different payload.
    public let eventID: String
    /// The fingerprint the key was first used with.
    public let existing: PayloadFingerprint
    /// The fingerprint of this event's payload.
    public let incoming: PayloadFingerprint

    /// Creates the error for event `eventID`, whose key `key` was first used with `existing`.
    public init(key: String, eventID: String, existing: PayloadFingerprint, incoming: PayloadFingerprint) {
        self.key = key
        self.eventID = eventID
        self.existing = existing
        self.incoming = incoming
    }

    /// What went wrong, naming the key, the event and both fingerprints.
    public var message: String {
        "idempotency key '\(key)' was already used with a different payload: event '\(eventID)' has payload "
            + "fingerprint \(incoming), the key was first used with \(existing)"
    }

    /// The message, prefixed with the error's type.
    public var description: String { "IdempotencyConflictError: \(message)" }
}
