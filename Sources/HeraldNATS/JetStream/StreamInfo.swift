import struct Foundation.Date

/// What the server says about a stream: its configuration as stored (defaults filled in) and its state.
public struct StreamInfo: Sendable, Hashable, Decodable {
    /// The configuration, with the server's defaults filled in.
    public var configuration: StreamConfiguration
    /// When the stream was created.
    public var created: Date?
    /// How many messages it holds and where they start and end.
    public var state: StreamState

    enum CodingKeys: String, CodingKey {
        case configuration = "config"
        case created, state
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        configuration = try container.decode(StreamConfiguration.self, forKey: .configuration)
        created = try container.decodeTime(forKey: .created)
        state = try container.decode(StreamState.self, forKey: .state)
    }
}

/// The contents of a stream at the moment it was asked.
public struct StreamState: Sendable, Hashable, Decodable {
    /// How many messages it holds.
    public var messages: UInt64
    /// How many bytes they take (subjects, headers and payloads).
    public var bytes: UInt64
    /// The sequence of the oldest message held; for an empty stream, the sequence the next message gets
    /// (or 0 for a stream that never held one).
    public var firstSequence: UInt64
    /// When the oldest message was stored.
    public var firstTime: Date?
    /// The sequence of the newest message stored (0 when none ever was).
    public var lastSequence: UInt64
    /// When the newest message was stored.
    public var lastTime: Date?
    /// How many consumers the stream has.
    public var consumerCount: Int

    enum CodingKeys: String, CodingKey {
        case messages, bytes
        case firstSequence = "first_seq"
        case firstTime = "first_ts"
        case lastSequence = "last_seq"
        case lastTime = "last_ts"
        case consumerCount = "consumer_count"
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messages = try container.decodeIfPresent(UInt64.self, forKey: .messages) ?? 0
        bytes = try container.decodeIfPresent(UInt64.self, forKey: .bytes) ?? 0
        firstSequence = try container.decodeIfPresent(UInt64.self, forKey: .firstSequence) ?? 0
        firstTime = try container.decodeTime(forKey: .firstTime)
        lastSequence = try container.decodeIfPresent(UInt64.self, forKey: .lastSequence) ?? 0
        lastTime = try container.decodeTime(forKey: .lastTime)
        consumerCount = try container.decodeIfPresent(Int.self, forKey: .consumerCount) ?? 0
    }
}
