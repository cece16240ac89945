/// A broker refused a request. The message says what was wrong, names the offending value, and
/// what to do; ``isRetryable`` says whether the same request may succeed later.
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is: one code per cause, stable across releases, for programs to switch on
    /// (an HTTP server maps each to a status, a consumer decides whether to retry).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unknownTopic, topicExists, invalidTopicName, invalidGroupName, invalidConfiguration, invalidSubscription
            case topicFull, eventTooLarge, invalidSeek, unknownGroup, unknownPartition, closed, unavailable, storage
            case unsupported
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The topic does not exist.
        public static let unknownTopic = Code(.unknownTopic)
        /// A topic of that name exists with a different configuration.
        public static let topicExists = Code(.topicExists)
        /// A topic name breaks ``TopicName``'s rule.
        public static let invalidTopicName = Code(.invalidTopicName)
        /// A group name breaks ``ConsumerGroupName``'s rule.
        public static let invalidGroupName = Code(.invalidGroupName)
        /// A topic setting is out of range.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A subscription setting is out of range.
        public static let invalidSubscription = Code(.invalidSubscription)
        /// The topic is at its limit and refuses publishes.
        public static let topicFull = Code(.topicFull)
        /// The event is larger than the topic accepts.
        public static let eventTooLarge = Code(.eventTooLarge)
        /// A seek named a position the group cannot move to.
        public static let invalidSeek = Code(.invalidSeek)
        /// The group has never subscribed to the topic.
        public static let unknownGroup = Code(.unknownGroup)
        /// The topic has no such partition.
        public static let unknownPartition = Code(.unknownPartition)
        /// The broker is shut down.
        public static let closed = Code(.closed)
        /// The broker cannot be reached or cannot serve the request now.
        public static let unavailable = Code(.unavailable)
        /// The broker's storage failed (the disk, a damaged file); ``BrokerError/underlying`` holds the cause.
        public static let storage = Code(.storage)
        /// The backend cannot do what was asked (its server lacks the feature); another backend may.
        public static let unsupported = Code(.unsupported)

        /// The code's name, as in `unknownTopic`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure it is.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The specific rule broken, when the error is about a name or a setting.
    public let reason: String?
    /// The error that caused this one (a storage or connection error), when there is one. It does not take
    /// part in equality.
    public let underlying: (any Error)?
    private let retryable: Bool?

    private init(_ code: Code, _ message: String, reason: String? = nil, underlying: (any Error)? = nil, retryable: Bool? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.underlying = underlying
        self.retryable = retryable
    }

    /// Equal when code, message and reason are; the underlying error is not compared.
    public static func == (lhs: BrokerError, rhs: BrokerError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.reason == rhs.reason
    }

    /// Hashes code, message and reason.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(reason)
    }

    /// The topic does not exist.
    public static func unknownTopic(_ topic: String) -> Self {
        Self(.unknownTopic, "topic '\(topic)' does not exist; create it first with createTopic")
    }

    /// A topic of that name exists with a different configuration.
    public static func topicExists(_ topic: String) -> Self {
        Self(.topicExists, "topic '\(topic)' already exists with a different configuration")
    }

    /// The topic name breaks ``TopicName``'s rule.
    public static func invalidTopicName(_ topic: String, reason: String) -> Self {
        Self(.invalidTopicName, "topic name '\(topic)' is invalid: \(reason)", reason: reason)
    }

    /// The group name breaks ``ConsumerGroupName``'s rule.
    public static func invalidGroupName(_ group: String, reason: String) -> Self {
        Self(.invalidGroupName, "consumer group name '\(group)' is invalid: \(reason)", reason: reason)
    }

    /// A topic setting is out of range.
    public static func invalidConfiguration(topic: String, setting: String, value: String, rule: String) -> Self {
        Self(
            .invalidConfiguration,
            "topic '\(topic)': \(setting) = \(value) is invalid; it \(rule)",
            reason: "\(setting) \(rule)"
        )
    }

    /// A subscription setting is out of range.
    public static func invalidSubscription(topic: String, group: String, reason: String) -> Self {
        Self(.invalidSubscription, "subscription of group '\(group)' to topic '\(topic)' is invalid: \(reason)", reason: reason)
    }

    /// The topic is at its event or byte limit and its overflow policy is to reject publishes.
    public static func topicFull(_ topic: String, limit: String) -> Self {
        Self(
            .topicFull,
            "topic '\(topic)' is full (\(limit)); the publish was refused and nothing was stored. "
                + "Consume and acknowledge, raise the limit, or choose the dropOldest policy",
            reason: limit
        )
    }

    /// The event is larger than the topic accepts.
    public static func eventTooLarge(topic: String, eventID: String, size: Int, limit: Int) -> Self {
        Self(
            .eventTooLarge,
            "event '\(eventID)' has \(size) bytes of data, more than the \(limit) that topic '\(topic)' accepts"
        )
    }

    /// A seek named a position the group cannot move to.
    public static func invalidSeek(topic: String, group: String, reason: String) -> Self {
        Self(.invalidSeek, "cannot seek group '\(group)' on topic '\(topic)': \(reason)", reason: reason)
    }

    /// The group has never subscribed to the topic: it has no position, lag or dead letters there yet.
    public static func unknownGroup(topic: String, group: String) -> Self {
        Self(
            .unknownGroup,
            "consumer group '\(group)' has never subscribed to topic '\(topic)': subscribe it first (a group is created by its first subscription)",
            reason: "the group has never subscribed to the topic")
    }

    /// The topic has no such partition.
    public static func unknownPartition(topic: String, partition: Partition, partitions: Int) -> Self {
        Self(
            .unknownPartition,
            "topic '\(topic)' has no partition \(partition.index): it has \(partitions) (0..<\(partitions))",
            reason: "partition \(partition.index) does not exist")
    }

    /// The broker has been shut down.
    public static func closed() -> Self {
        Self(.closed, "the broker is shut down")
    }

    /// The broker cannot be reached or cannot serve the request right now.
    public static func unavailable(_ detail: String) -> Self {
        Self(.unavailable, "the broker is unavailable: \(detail)", reason: detail)
    }

    /// The broker's storage failed with `error` while doing `operation` (as in "publish to topic 'orders'");
    /// `isRetryable` says whether trying again may succeed (a full disk may be freed; damage stays).
    public static func storage(_ operation: String, error: any Error, isRetryable: Bool) -> Self {
        Self(.storage, "\(operation) failed in the broker's storage: \(error)", reason: "\(error)", underlying: error, retryable: isRetryable)
    }

    /// The backend cannot do `operation`; `reason` says why and what would.
    public static func unsupported(_ operation: String, reason: String) -> Self {
        Self(.unsupported, "this broker cannot \(operation): \(reason)", reason: reason)
    }

    /// Whether the same request may succeed if tried again later: a full topic, an unavailable broker, a
    /// storage failure that may pass.
    public var isRetryable: Bool {
        retryable ?? (code == .topicFull || code == .unavailable)
    }

    /// Whether the error says the topic does not exist.
    public var isUnknownTopic: Bool { code == .unknownTopic }
    /// Whether the error says a topic of that name exists with another configuration.
    public var isTopicExists: Bool { code == .topicExists }
    /// Whether the error says the topic is full.
    public var isTopicFull: Bool { code == .topicFull }
    /// Whether the error says the group has never subscribed to the topic.
    public var isUnknownGroup: Bool { code == .unknownGroup }
    /// Whether the error says the topic has no such partition.
    public var isUnknownPartition: Bool { code == .unknownPartition }
    /// Whether the error says the event is too large.
    public var isEventTooLarge: Bool { code == .eventTooLarge }

    public var description: String { "BrokerError(\(code)): \(message)" }
}
