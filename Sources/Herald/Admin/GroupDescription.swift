/// One consumer group of a topic: its settings, its members and how far behind it is.
public struct GroupDescription: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The group.
    public var group: String
    /// The settings its first subscriber chose (``SubscriptionOptions/prefetch`` is that subscriber's).
    public var options: SubscriptionOptions
    /// Its members subscribed through this broker instance (a NATS group's members in other processes
    /// are not listed).
    public var members: [GroupMemberDescription]
    /// How far behind it is, per partition.
    public var lag: GroupLag
    /// Whether an operator paused it (``BrokerAdmin/pause(group:on:)``): it hands out nothing until resumed.
    public var isPaused: Bool

    /// Creates a description.
    public init(
        topic: String,
        group: String,
        options: SubscriptionOptions,
        members: [GroupMemberDescription],
        lag: GroupLag,
        isPaused: Bool = false
    ) {
        self.topic = topic
        self.group = group
        self.options = options
        self.members = members
        self.lag = lag
        self.isPaused = isPaused
    }

    /// The topic its dead letters go to.
    public var deadLetterTopic: String { options.deadLetterTopic(for: topic, group: group) }
}

/// One member of a consumer group.
public struct GroupMemberDescription: Sendable, Hashable {
    /// The member's id within its broker.
    public var id: UInt64
    /// The most unsettled deliveries it holds at a time.
    public var prefetch: Int
    /// Deliveries it holds unsettled now.
    public var inFlight: Int
    /// Whether it drains: it receives nothing more but may still settle.
    public var isDraining: Bool

    /// Creates a description.
    public init(id: UInt64, prefetch: Int, inFlight: Int, isDraining: Bool) {
        self.id = id
        self.prefetch = prefetch
        self.inFlight = inFlight
        self.isDraining = isDraining
    }
}
