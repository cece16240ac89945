/// The lineage of the event being handled: what events published while handling it inherit.
///
/// The consumer sets ``current`` for the duration of each handler (see ``CorrelationMiddleware``);
/// ``Publisher`` reads it and stamps `correlationid` and `causationid` on outgoing events.
public struct EventLineage: Sendable, Hashable {
    /// The id shared by every event of one flow: the handled event's `correlationid`, or its `id` if it
    /// has none (it started the flow).
    public var correlationID: String
    /// The id of the handled event: the cause of whatever is published now.
    public var causationID: String

    /// Creates a lineage.
    public init(correlationID: String, causationID: String) {
        self.correlationID = correlationID
        self.causationID = causationID
    }

    /// The lineage that events caused by `event` inherit.
    public init(causedBy event: Event) {
        self.correlationID = event.extensionValue(ExtensionAttributeName.correlationID.rawValue) ?? event.id
        self.causationID = event.id
    }

    /// The lineage of the handler running in this task, if any.
    @TaskLocal public static var current: EventLineage?
}
