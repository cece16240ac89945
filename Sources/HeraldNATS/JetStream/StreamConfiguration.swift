/// The configuration of a JetStream stream: which subjects it stores, how much, for how long and where.
///
/// Settings left `nil` take the server's default. Encodes to and decodes from the JSON of the JetStream
/// API (`max_msgs`, `duplicate_window` in nanoseconds, ...).
public struct StreamConfiguration: Sendable, Hashable, Codable {
    /// When a stream may remove messages besides its limits.
    public enum RetentionPolicy: String, Sendable, Hashable, Codable {
        /// Messages stay until a limit (count, bytes, age) removes them.
        case limits
        /// Messages stay while a consumer has not acknowledged them.
        case interest
        /// A message is removed once one consumer acknowledged it.
        case workQueue = "workqueue"
    }

    /// Where a stream keeps its messages.
    public enum StorageType: String, Sendable, Hashable, Codable {
        /// On disk.
        case file
        /// In the server's memory.
        case memory
    }

    /// What a stream does when a new message would exceed a limit.
    public enum DiscardPolicy: String, Sendable, Hashable, Codable {
        /// Remove the oldest messages to make room.
        case old
        /// Refuse the new message (the publish gets an error).
        case new
    }

    /// The stream's name: no spaces, `.`, `*` or `>`.
    public var name: String
    /// A free-text description (at most 4 KiB).
    public var description: String?
    /// The subjects stored (wildcards allowed).
    public var subjects: [String]
    /// When messages may be removed besides the limits. Default ``RetentionPolicy/limits``.
    public var retention: RetentionPolicy?
    /// The most consumers; `-1` for no limit.
    public var maximumConsumers: Int?
    /// The most messages kept (`max_msgs`); `-1` for no limit.
    public var maximumMessages: Int64?
    /// The most bytes kept (`max_bytes`, counting subject, headers and payload); `-1` for no limit.
    public var maximumBytes: Int64?
    /// How long a message is kept (`max_age`); `nil` for ever.
    public var maximumAge: Duration?
    /// The most messages kept per subject; `-1` for no limit.
    public var maximumMessagesPerSubject: Int64?
    /// The largest message accepted (`max_msg_size`); `-1` for the server's limit.
    public var maximumMessageSize: Int32?
    /// What happens at a limit. Default ``DiscardPolicy/old``.
    public var discard: DiscardPolicy?
    /// Where messages are kept. Default ``StorageType/file``.
    public var storage: StorageType?
    /// How many servers keep a copy (1 to 5) in a cluster.
    public var replicas: Int?
    /// How long a `Nats-Msg-Id` is remembered to drop duplicates (`duplicate_window`). Default 2 minutes.
    public var duplicateWindow: Duration?
    /// Whether deleting messages is refused.
    public var denyDelete: Bool?
    /// Whether purging is refused.
    public var denyPurge: Bool?
    /// Whether messages can be read with the direct get API.
    public var allowDirect: Bool?

    /// A configuration for `name` storing `subjects`, with every other setting at the server's default.
    public init(name: String, subjects: [String], description: String? = nil) {
        self.name = name
        self.subjects = subjects
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case name, description, subjects, retention
        case maximumConsumers = "max_consumers"
        case maximumMessages = "max_msgs"
        case maximumBytes = "max_bytes"
        case maximumAge = "max_age"
        case maximumMessagesPerSubject = "max_msgs_per_subject"
        case maximumMessageSize = "max_msg_size"
        case discard, storage
        case replicas = "num_replicas"
        case duplicateWindow = "duplicate_window"
        case denyDelete = "deny_delete"
        case denyPurge = "deny_purge"
        case allowDirect = "allow_direct"
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        subjects = try container.decodeIfPresent([String].self, forKey: .subjects) ?? []
        retention = try container.decodeIfPresent(RetentionPolicy.self, forKey: .retention)
        maximumConsumers = try container.decodeIfPresent(Int.self, forKey: .maximumConsumers)
        maximumMessages = try container.decodeIfPresent(Int64.self, forKey: .maximumMessages)
        maximumBytes = try container.decodeIfPresent(Int64.self, forKey: .maximumBytes)
        maximumAge = try container.decodeNanoseconds(forKey: .maximumAge)
        maximumMessagesPerSubject = try container.decodeIfPresent(Int64.self, forKey: .maximumMessagesPerSubject)
        maximumMessageSize = try container.decodeIfPresent(Int32.self, forKey: .maximumMessageSize)
        discard = try container.decodeIfPresent(DiscardPolicy.self, forKey: .discard)
        storage = try container.decodeIfPresent(StorageType.self, forKey: .storage)
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas)
        duplicateWindow = try container.decodeNanoseconds(forKey: .duplicateWindow)
        denyDelete = try container.decodeIfPresent(Bool.self, forKey: .denyDelete)
        denyPurge = try container.decodeIfPresent(Bool.self, forKey: .denyPurge)
        allowDirect = try container.decodeIfPresent(Bool.self, forKey: .allowDirect)
    }

    /// Encodes the API's JSON, leaving out settings that are `nil`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(subjects, forKey: .subjects)
        try container.encodeIfPresent(retention, forKey: .retention)
        try container.encodeIfPresent(maximumConsumers, forKey: .maximumConsumers)
        try container.encodeIfPresent(maximumMessages, forKey: .maximumMessages)
        try container.encodeIfPresent(maximumBytes, forKey: .maximumBytes)
        try container.encodeNanoseconds(maximumAge, forKey: .maximumAge)
        try container.encodeIfPresent(maximumMessagesPerSubject, forKey: .maximumMessagesPerSubject)
        try container.encodeIfPresent(maximumMessageSize, forKey: .maximumMessageSize)
        try container.encodeIfPresent(discard, forKey: .discard)
        try container.encodeIfPresent(storage, forKey: .storage)
        try container.encodeIfPresent(replicas, forKey: .replicas)
        try container.encodeNanoseconds(duplicateWindow, forKey: .duplicateWindow)
        try container.encodeIfPresent(denyDelete, forKey: .denyDelete)
        try container.encodeIfPresent(denyPurge, forKey: .denyPurge)
        try container.encodeIfPresent(allowDirect, forKey: .allowDirect)
    }
}
