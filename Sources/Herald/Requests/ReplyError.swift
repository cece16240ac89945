/// A handler's reply could not be sent because the message it answers names nowhere to send it: a query
/// (or a command whose handler replies) without a `replyto` attribute. Permanent: the message is
/// dead-lettered with this error, so the asker's mistake is visible.
public struct ReplyError: PermanentFailure, Sendable, Hashable, CustomStringConvertible {
    /// The id of the message that has no `replyto`.
    public let eventID: String
    /// Its CloudEvents `type`.
    public let eventType: String

    /// The message `eventID` of `eventType` has no `replyto`.
    public init(eventID: String, eventType: String) {
        self.eventID = eventID
        self.eventType = eventType
    }

    /// What went wrong and what to do.
    public var description: String {
        "ReplyError: event '\(eventID)' (type '\(eventType)') has no 'replyto' attribute, so its reply has nowhere to go; "
            + "send it with Publisher.request(_:to:awaiting:timeout:), or set 'replyto' to the topic the asker reads"
    }
}
