/// What ``PostgresInbox/handle(_:_:)`` did with an event.
public enum InboxOutcome: Sendable, Hashable {
    /// The body ran and its transaction, with the inbox record, committed.
    case handled
    /// The event's key was already handled with the same payload: the body did not run. Acknowledge the
    /// delivery.
    case duplicate
    /// The body left the delivery nacked (it asked for the event again): its transaction was rolled back,
    /// so nothing it wrote and no record remains.
    case rolledBack
    /// The event was stored before the inbox forgot records that old, so it may have been handled already;
    /// ``PossibleDuplicatePolicy/skip`` said not to run the body. Logged and counted.
    case possibleDuplicateSkipped
}
