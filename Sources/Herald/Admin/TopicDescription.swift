/// What a broker holds of one topic: its configuration, how it is retained, and each partition's offsets
/// and size.
public struct TopicDescription: Sendable, Hashable {
    /// The topic's configuration.
    public var configuration: TopicConfiguration
    /// How long and how much the backend keeps.
    public var retention: TopicRetention
    /// Each partition, in order.
    public var partitions: [PartitionDescription]

    /// Creates a description.
    public init(configuration: TopicConfiguration, retention: TopicRetention, partitions: [PartitionDescription]) {
        self.configuration = configuration
        self.retention = retention
        self.partitions = partitions
    }

    /// The topic's name.
    public var name: String { configuration.name }

    /// Events held, all partitions.
    public var events: Int64 { partitions.reduce(0) { $0 + $1.events } }

    /// Bytes held, all partitions, when the backend counts them.
    public var bytes: Int64? {
        partitions.reduce(Int64(0) as Int64?) { total, partition in
            guard let total, let bytes = partition.bytes else { return nil }
            return total + bytes
        }
    }
}

/// One partition of a topic as an operator sees it.
public struct PartitionDescription: Sendable, Hashable {
    /// The partition.
    public var partition: Partition
    /// The oldest offset held (equal to ``endOffset`` when empty).
    public var startOffset: Offset
    /// The offset the next event gets.
    public var endOffset: Offset
    /// Events held: `endOffset - startOffset`, less any the backend removed inside the range.
    public var events: Int64
    /// Bytes held, as the backend counts them (the embedded log: bytes on disk; in memory: payload bytes;
    /// NATS: the stream's bytes); `nil` when it does not count them.
    public var bytes: Int64?

    /// Creates a description.
    public init(partition: Partition, startOffset: Offset, endOffset: Offset, events: Int64? = nil, bytes: Int64?) {
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.events = events ?? max(0, endOffset.value - startOffset.value)
        self.bytes = bytes
    }
}

/// How a topic's events are retained.
public struct TopicRetention: Sendable, Hashable {
    /// The most events held (all partitions).
    public var maximumEvents: Int
    /// The most bytes held (all partitions).
    public var maximumBytes: Int
    /// How long events are kept, when the backend drops them by age; `nil` when it does not.
    public var maximumAge: Duration?
    /// What a publish past the limits does.
    public var overflowPolicy: TopicConfiguration.OverflowPolicy

    /// Creates a retention description.
    public init(maximumEvents: Int, maximumBytes: Int, maximumAge: Duration?, overflowPolicy: TopicConfiguration.OverflowPolicy) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
        self.overflowPolicy = overflowPolicy
    }

    /// The limits of `configuration`, with `maximumAge` when the backend drops by age.
    public init(_ configuration: TopicConfiguration, maximumAge: Duration? = nil) {
        self.init(
            maximumEvents: configuration.maximumEvents, maximumBytes: configuration.maximumBytes, maximumAge: maximumAge,
            overflowPolicy: configuration.overflowPolicy
        )
    }
}
