import struct Foundation.Date

/// What the server says about a consumer: its configuration and how far it got.
public struct ConsumerInfo: Sendable, Hashable, Decodable {
    /// The stream the consumer reads.
    public var streamName: String
    /// The consumer's name (its durable name, or a generated one for an ephemeral consumer).
    public var name: String
    /// When it was created.
    public var created: Date?
    /// The configuration, with the server's defaults filled in.
    public var configuration: ConsumerConfiguration
    /// The last message delivered: its consumer and stream sequence.
    public var delivered: SequenceInfo
    /// The acknowledgement floor: every message up to it is acknowledged.
    public var ackFloor: SequenceInfo
    /// Messages delivered and not yet acknowledged.
    public var numberAckPending: Int
    /// Messages delivered more than once and not yet acknowledged.
    public var numberRedelivered: Int
    /// Pull requests waiting.
    public var numberWaiting: Int
    /// Messages in the stream not yet delivered to the consumer.
    public var numberPending: UInt64

    enum CodingKeys: String, CodingKey {
        case streamName = "stream_name"
        case name, created
        case configuration = "config"
        case delivered
        case ackFloor = "ack_floor"
        case numberAckPending = "num_ack_pending"
        case numberRedelivered = "num_redelivered"
        case numberWaiting = "num_waiting"
        case numberPending = "num_pending"
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        streamName = try container.decode(String.self, forKey: .streamName)
        name = try container.decode(String.self, forKey: .name)
        created = try container.decodeTime(forKey: .created)
        configuration = try container.decode(ConsumerConfiguration.self, forKey: .configuration)
        delivered = try container.decode(SequenceInfo.self, forKey: .delivered)
        ackFloor = try container.decode(SequenceInfo.self, forKey: .ackFloor)
        numberAckPending = try container.decodeIfPresent(Int.self, forKey: .numberAckPending) ?? 0
        numberRedelivered = try container.decodeIfPresent(Int.self, forKey: .numberRedelivered) ?? 0
        numberWaiting = try container.decodeIfPresent(Int.self, forKey: .numberWaiting) ?? 0
        numberPending = try container.decodeIfPresent(UInt64.self, forKey: .numberPending) ?? 0
    }
}

/// A position in a consumer's deliveries: the consumer's own sequence and the stream's.
public struct SequenceInfo: Sendable, Hashable, Decodable {
    /// The consumer sequence (counts deliveries, redeliveries included).
    public var consumerSequence: UInt64
    /// The stream sequence.
    public var streamSequence: UInt64
    /// When it last moved.
    public var lastActive: Date?

    enum CodingKeys: String, CodingKey {
        case consumerSequence = "consumer_seq"
        case streamSequence = "stream_seq"
        case lastActive = "last_active"
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        consumerSequence = try container.decodeIfPresent(UInt64.self, forKey: .consumerSequence) ?? 0
        streamSequence = try container.decodeIfPresent(UInt64.self, forKey: .streamSequence) ?? 0
        lastActive = try container.decodeTime(forKey: .lastActive)
    }
}
