/// No handler is registered for an event's type on its topic. Permanent: dead-lettered at once.
public struct UnhandledEventError: Error, PermanentFailure, CustomStringConvertible {
    /// The event's type.
    public let eventType: String
    /// The topic it came from.
    public let topic: String
    /// The types that do have handlers on the topic.
    public let handledTypes: [String]

    public var description: String {
        "no handler for event type '\(eventType)' on topic '\(topic)'; handled types: \(handledTypes.joined(separator: ", "))"
    }
}
