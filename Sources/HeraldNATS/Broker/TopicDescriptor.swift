import Herald

/// A topic's configuration as written into the `description` of each of its partition streams (JSON),
/// so that every broker instance sees the topics others created. (nats-server 2.9 has no stream
/// `metadata`; the description holds up to 4 KiB.)
struct TopicDescriptor: JSONDescription, Hashable, Sendable {
    /// The format version.
    var herald: Int
    var topic: String
    /// The partition whose stream carries this copy.
    var partition: Int
    var partitions: Int
    var deduplicationWindowNanoseconds: Int64
    var maximumDeduplicationEntries: Int
    var maximumEvents: Int
    var maximumBytes: Int
    var maximumEventBytes: Int
    var overflowPolicy: String

    static let currentVersion = 1

    init(_ configuration: TopicConfiguration, partition: Int) {
        herald = Self.currentVersion
        topic = configuration.name
        self.partition = partition
        partitions = configuration.partitions
        deduplicationWindowNanoseconds = configuration.deduplicationWindow.jetStreamNanoseconds
        maximumDeduplicationEntries = configuration.maximumDeduplicationEntries
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        maximumEventBytes = configuration.maximumEventBytes
        overflowPolicy = configuration.overflowPolicy == .dropOldest ? "dropOldest" : "rejectPublish"
    }

    /// The topic configuration it describes.
    var configuration: TopicConfiguration {
        TopicConfiguration(
            name: topic,
            partitions: partitions,
            deduplicationWindow: Duration(jetStreamNanoseconds: deduplicationWindowNanoseconds),
            maximumDeduplicationEntries: maximumDeduplicationEntries,
            maximumEvents: maximumEvents,
            maximumBytes: maximumBytes,
            maximumEventBytes: maximumEventBytes,
            overflowPolicy: overflowPolicy == "dropOldest" ? .dropOldest : .rejectPublish
        )
    }
}
