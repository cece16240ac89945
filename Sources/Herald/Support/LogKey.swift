/// The logger metadata keys Herald uses, defined once.
public enum LogKey {
    /// The topic.
    public static let topic = "herald.topic"
    /// The consumer group.
    public static let group = "herald.group"
    /// The partition index.
    public static let partition = "herald.partition"
    /// The offset.
    public static let offset = "herald.offset"
    /// The event id.
    public static let eventID = "herald.event.id"
    /// The event type.
    public static let eventType = "herald.event.type"
    /// The delivery attempt.
    public static let attempt = "herald.attempt"
    /// The error's type.
    public static let errorType = "herald.error.type"
    /// The error's message.
    public static let error = "herald.error"
}
