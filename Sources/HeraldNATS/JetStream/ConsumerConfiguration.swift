import struct Foundation.Date

/// The configuration of a JetStream consumer: where it starts, how messages are acknowledged and
/// redelivered, how many may be unacknowledged.
///
/// Herald uses durable pull consumers with explicit acknowledgement. Settings left `nil` take the
/// server's default.
public struct ConsumerConfiguration: Sendable, Hashable, Codable {
    /// Where a new consumer starts in its stream.
    public enum DeliverPolicy: Sendable, Hashable {
        /// From the oldest message held.
        case all
        /// From the newest message held.
        case last
        /// From the next message stored.
        case new
        /// From this stream sequence (clamped by the server to what the stream holds).
        case byStartSequence(UInt64)
        /// From the first message stored at or after this time.
        case byStartTime(Date)
        /// The newest message of each subject, then new ones.
        case lastPerSubject
    }

    /// How messages must be acknowledged.
    public enum AckPolicy: String, Sendable, Hashable, Codable {
        /// Every message on its own.
        case explicit
        /// Acknowledging one acknowledges every earlier one.
        case all
        /// No acknowledgement: a message counts as handled once sent.
        case none
    }

    /// How fast messages are sent.
    public enum ReplayPolicy: String, Sendable, Hashable, Codable {
        /// As fast as the consumer takes them.
        case instant
        /// At the pace they were stored.
        case original
    }

    /// The durable name; `nil` for an ephemeral consumer (removed after ``inactiveThreshold``).
    public var durableName: String?
    /// A free-text description.
    public var description: String?
    /// Where the consumer starts. Default ``DeliverPolicy/all``.
    public var deliverPolicy: DeliverPolicy
    /// How messages are acknowledged. Default ``AckPolicy/explicit``.
    public var ackPolicy: AckPolicy
    /// How long a delivered message may stay unacknowledged before it is delivered again (`ack_wait`).
    public var ackWait: Duration?
    /// The most deliveries of one message; `-1` for no limit (`max_deliver`).
    public var maximumDeliveries: Int?
    /// The most messages delivered and not yet acknowledged (`max_ack_pending`); `-1` for no limit.
    public var maximumAckPending: Int?
    /// Only messages whose subject matches (`filter_subject`).
    public var filterSubject: String?
    /// The delays between redeliveries after ack-wait expiries (`backoff`), replacing ``ackWait``.
    public var backoff: [Duration]?
    /// The most pull requests waiting at once (`max_waiting`).
    public var maximumWaiting: Int?
    /// How long an ephemeral consumer lives without activity (`inactive_threshold`).
    public var inactiveThreshold: Duration?
    /// How fast messages are sent. Default ``ReplayPolicy/instant``.
    public var replayPolicy: ReplayPolicy?
    /// Whether only headers are delivered, not payloads.
    public var headersOnly: Bool?

    /// A consumer configuration; `durableName` `nil` makes it ephemeral.
    public init(
        durableName: String?,
        deliverPolicy: DeliverPolicy = .all,
        ackPolicy: AckPolicy = .explicit,
        ackWait: Duration? = nil,
        maximumDeliveries: Int? = nil,
        maximumAckPending: Int? = nil,
        filterSubject: String? = nil,
        description: String? = nil
    ) {
        self.durableName = durableName
        self.deliverPolicy = deliverPolicy
        self.ackPolicy = ackPolicy
        self.ackWait = ackWait
        self.maximumDeliveries = maximumDeliveries
        self.maximumAckPending = maximumAckPending
        self.filterSubject = filterSubject
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case durableName = "durable_name"
        case description
        case deliverPolicy = "deliver_policy"
        case startSequence = "opt_start_seq"
        case startTime = "opt_start_time"
        case ackPolicy = "ack_policy"
        case ackWait = "ack_wait"
        case maximumDeliveries = "max_deliver"
        case maximumAckPending = "max_ack_pending"
        case filterSubject = "filter_subject"
        case backoff
        case maximumWaiting = "max_waiting"
        case inactiveThreshold = "inactive_threshold"
        case replayPolicy = "replay_policy"
        case headersOnly = "headers_only"
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        durableName = try container.decodeIfPresent(String.self, forKey: .durableName)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        let policy = try container.decodeIfPresent(String.self, forKey: .deliverPolicy) ?? "all"
        switch policy {
        case "all": deliverPolicy = .all
        case "last": deliverPolicy = .last
        case "new": deliverPolicy = .new
        case "last_per_subject": deliverPolicy = .lastPerSubject
        case "by_start_sequence":
            deliverPolicy = .byStartSequence(try container.decodeIfPresent(UInt64.self, forKey: .startSequence) ?? 0)
        case "by_start_time":
            deliverPolicy = .byStartTime(try container.decodeTime(forKey: .startTime) ?? Date(timeIntervalSince1970: 0))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .deliverPolicy,
                in: container,
                debugDescription: "unknown deliver_policy '\(policy)'"
            )
        }
        ackPolicy = try container.decodeIfPresent(AckPolicy.self, forKey: .ackPolicy) ?? .explicit
        ackWait = try container.decodeNanoseconds(forKey: .ackWait)
        maximumDeliveries = try container.decodeIfPresent(Int.self, forKey: .maximumDeliveries)
        maximumAckPending = try container.decodeIfPresent(Int.self, forKey: .maximumAckPending)
        filterSubject = try container.decodeIfPresent(String.self, forKey: .filterSubject)
        backoff = try container.decodeNanosecondList(forKey: .backoff)
        maximumWaiting = try container.decodeIfPresent(Int.self, forKey: .maximumWaiting)
        inactiveThreshold = try container.decodeNanoseconds(forKey: .inactiveThreshold)
        replayPolicy = try container.decodeIfPresent(ReplayPolicy.self, forKey: .replayPolicy)
        headersOnly = try container.decodeIfPresent(Bool.self, forKey: .headersOnly)
    }

    /// Encodes the API's JSON, leaving out settings that are `nil`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(durableName, forKey: .durableName)
        try container.encodeIfPresent(description, forKey: .description)
        switch deliverPolicy {
        case .all: try container.encode("all", forKey: .deliverPolicy)
        case .last: try container.encode("last", forKey: .deliverPolicy)
        case .new: try container.encode("new", forKey: .deliverPolicy)
        case .lastPerSubject: try container.encode("last_per_subject", forKey: .deliverPolicy)
        case .byStartSequence(let sequence):
            try container.encode("by_start_sequence", forKey: .deliverPolicy)
            try container.encode(sequence, forKey: .startSequence)
        case .byStartTime(let date):
            try container.encode("by_start_time", forKey: .deliverPolicy)
            try container.encodeTime(date, forKey: .startTime)
        }
        try container.encode(ackPolicy, forKey: .ackPolicy)
        try container.encodeNanoseconds(ackWait, forKey: .ackWait)
        try container.encodeIfPresent(maximumDeliveries, forKey: .maximumDeliveries)
        try container.encodeIfPresent(maximumAckPending, forKey: .maximumAckPending)
        try container.encodeIfPresent(filterSubject, forKey: .filterSubject)
        try container.encodeIfPresent(backoff?.map(\.jetStreamNanoseconds), forKey: .backoff)
        try container.encodeIfPresent(maximumWaiting, forKey: .maximumWaiting)
        try container.encodeNanoseconds(inactiveThreshold, forKey: .inactiveThreshold)
        try container.encodeIfPresent(replayPolicy, forKey: .replayPolicy)
        try container.encodeIfPresent(headersOnly, forKey: .headersOnly)
    }
}
