/// How a ``Consumer`` runs.
public struct ConsumerConfiguration: Sendable {
    /// What the consumer does with an event whose type has no handler on its topic.
    public enum UnhandledEventPolicy: Sendable, Hashable {
        /// Send it to the group's dead-letter topic, where it is visible and can be replayed once a
        /// handler exists (the default: an unexpected event type is a contract change, not noise).
        case deadLetter
        /// Acknowledge it and log at debug level: for groups that deliberately read only some types of a
        /// shared topic.
        case acknowledge
    }

    /// The consumer group every subscription of this consumer joins.
    public var group: String
    /// The `source` attribute of events handlers publish through their context.
    public var source: String
    /// Options of each subscription (prefetch, ack deadline, maximum deliveries, dead-letter topic).
    /// Default ``SubscriptionOptions/init(prefetch:ackDeadline:maximumDeliveries:deadLetterTopic:startPosition:ordering:)``
    /// with its defaults.
    public var subscription: SubscriptionOptions
    /// The most handlers running at once per topic. Default 8.
    public var concurrency: Int
    /// How long in-flight handlers may run after a graceful shutdown begins before they are cancelled and
    /// their deliveries released. Default 10 seconds.
    public var shutdownGracePeriod: Duration
    /// What to do with events no handler is registered for. Default ``UnhandledEventPolicy/deadLetter``.
    public var unhandledEvents: UnhandledEventPolicy

    /// Creates a configuration with the defaults stated on each property.
    public init(
        group: String,
        source: String? = nil,
        subscription: SubscriptionOptions = SubscriptionOptions(),
        concurrency: Int = 8,
        shutdownGracePeriod: Duration = .seconds(10),
        unhandledEvents: UnhandledEventPolicy = .deadLetter
    ) {
        self.group = group
        self.source = source ?? "/herald/\(group)"
        self.subscription = subscription
        self.concurrency = concurrency
        self.shutdownGracePeriod = shutdownGracePeriod
        self.unhandledEvents = unhandledEvents
    }

    /// Checks every setting.
    ///
    /// - Throws: ``ConsumerConfigurationError`` naming the first setting out of range.
    public func validate() throws(ConsumerConfigurationError) {
        guard !group.isEmpty else { throw .invalidSetting("group", value: "\"\"", rule: "must name the consumer group") }
        guard !source.isEmpty else { throw .invalidSetting("source", value: "\"\"", rule: "must be a non-empty URI-reference") }
        guard concurrency >= 1 else { throw .invalidSetting("concurrency", value: "\(concurrency)", rule: "must be at least 1") }
        guard shutdownGracePeriod >= .zero else {
            throw .invalidSetting("shutdownGracePeriod", value: "\(shutdownGracePeriod)", rule: "must not be negative")
        }
    }
}
