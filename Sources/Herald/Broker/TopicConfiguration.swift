/// How a topic is laid out and bounded. Every limit has a stated default and a stated behaviour
/// when it is reached.
public struct TopicConfiguration: Sendable, Hashable {
    /// What a broker does when a publish would take a topic past ``maximumEvents`` or ``maximumBytes``.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Refuse the publish with ``BrokerError/topicFull(_:limit:)``; nothing stored is dropped.
        /// Producers see backpressure as an error they can retry.
        case rejectPublish
        /// Drop the oldest events to make room (retention). A group that had not consumed them moves
        /// forward and the number it missed is counted and logged.
        case dropOldest
    }

    /// The topic's name; see ``TopicName`` for the rule.
    public var name: String
    /// How many partitions the topic has. Default 1. Order is kept per partition key.
    public var partitions: Int
    /// How long a published event's (`source`, `id`) is remembered for de-duplication. Default 2 minutes.
    /// `.zero` turns de-duplication off.
    public var deduplicationWindow: Duration
    /// The most (`source`, `id`) pairs remembered for de-duplication, whatever the window. Default 1,000,000.
    /// When full, the oldest are forgotten first, which shortens the effective window.
    public var maximumDeduplicationEntries: Int
    /// The most events the topic holds (all partitions together). Default 1,000,000.
    public var maximumEvents: Int
    /// The most payload bytes the topic holds (all partitions together). Default 512 MiB.
    public var maximumBytes: Int
    /// The largest event accepted. Default 1 MiB; larger ones are refused with
    /// ``BrokerError/eventTooLarge(topic:eventID:size:limit:)`` before anything is stored. The embedded log
    /// counts an event as it stores it (every attribute, the data and the partition key) and allows at most
    /// 32 MiB; the in-memory broker counts the payload.
    public var maximumEventBytes: Int
    /// What happens when the topic is full. Default ``OverflowPolicy/rejectPublish``.
    public var overflowPolicy: OverflowPolicy

    /// Creates a configuration with the defaults stated on each property.
    public init(
        name: String,
        partitions: Int = 1,
        deduplicationWindow: Duration = .seconds(120),
        maximumDeduplicationEntries: Int = 1_000_000,
        maximumEvents: Int = 1_000_000,
        maximumBytes: Int = 512 * 1024 * 1024,
        maximumEventBytes: Int = 1024 * 1024,
        overflowPolicy: OverflowPolicy = .rejectPublish
    ) {
        self.name = name
        self.partitions = partitions
        self.deduplicationWindow = deduplicationWindow
        self.maximumDeduplicationEntries = maximumDeduplicationEntries
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
        self.maximumEventBytes = maximumEventBytes
        self.overflowPolicy = overflowPolicy
    }

    /// Checks every value.
    ///
    /// - Throws: ``BrokerError`` naming the topic and the offending setting.
    public func validate() throws(BrokerError) {
        try TopicName.validate(name)
        func require(
            _ condition: Bool, _ setting: String, _ value: some CustomStringConvertible, _ rule: String
        )
            throws(BrokerError)
        {
            if !condition {
                throw .invalidConfiguration(topic: name, setting: setting, value: value.description, rule: rule)
            }
        }
        try require(partitions >= 1 && partitions <= 4096, "partitions", partitions, "must be between 1 and 4096")
        try require(deduplicationWindow >= .zero, "deduplicationWindow", deduplicationWindow, "must not be negative")
        try require(maximumDeduplicationEntries >= 1, "maximumDeduplicationEntries", maximumDeduplicationEntries, "must be at least 1")
        try require(maximumEvents >= 1, "maximumEvents", maximumEvents, "must be at least 1")
        try require(maximumBytes >= 1, "maximumBytes", maximumBytes, "must be at least 1")
        try require(maximumEventBytes >= 1, "maximumEventBytes", maximumEventBytes, "must be at least 1")
        try require(maximumEventBytes <= maximumBytes, "maximumEventBytes", maximumEventBytes, "must not exceed maximumBytes")
    }
}
