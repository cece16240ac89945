import Herald
import NIOCore

/// One topic of the embedded log: its partitions, de-duplication window and consumer groups.
/// Not thread-safe: the broker's lock guards it (the partitions' writers excepted).
final class LogTopic: ConsumerGroupHost {
    let configuration: TopicConfiguration
    let options: LogTopicOptions
    let directory: String
    let partitions: [LogPartition]
    private(set) var groups: [String: ConsumerGroupState] = [:]
    /// Where recently stored events are, and which keys publishes in progress have claimed.
    var deduplication: DeduplicationWindow
    private var roundRobin = 0

    init(configuration: TopicConfiguration, options: LogTopicOptions, directory: String, partitions: [LogPartition]) {
        self.configuration = configuration
        self.options = options
        self.directory = directory
        self.partitions = partitions
        self.deduplication = DeduplicationWindow(
            window: configuration.deduplicationWindow,
            maximumEntries: configuration.maximumDeduplicationEntries
        )
    }

    /// Runs `body` with the de-duplication window, in one access for the whole call rather than one per
    /// event.
    func withDeduplication<Result, Failure: Error>(_ body: (inout DeduplicationWindow) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(&deduplication)
    }

    var name: String { configuration.name }

    var partitionRecords: [LogPartition] { partitions }

    func group(_ name: String) -> ConsumerGroupState? { groups[name] }

    /// Groups whose checkpoint could not be restored, by name: never created or checkpointed over.
    var quarantinedGroups: [String: Quarantine] = [:]

    func addGroup(_ name: String, options: SubscriptionOptions) -> ConsumerGroupState {
        if let existing = groups[name] { return existing }
        let group = ConsumerGroupState(name: name, topic: configuration.name, options: options, logs: partitions)
        groups[name] = group
        return group
    }

    var groupNames: [String] { groups.keys.sorted() }

    /// Wakes every member of every group.
    func wakeMembers() {
        for group in groups.values { group.wakeMembers() }
    }

    /// The partition an event goes to.
    func partition(for event: Event) -> Int {
        if let key = event.partitionKey {
            return PartitionKeyHasher.partition(forKey: key, partitionCount: partitions.count).index
        }
        roundRobin = (roundRobin + 1) % partitions.count
        return roundRobin
    }

    /// Bytes on disk, all partitions.
    var storedBytes: Int64 { partitions.reduce(0) { $0 + $1.storedBytes } }

    /// Events held, all partitions.
    var eventCount: Int64 { partitions.reduce(0) { $0 + ($1.endOffset.value - $1.startOffset.value) } }

    /// The offset below which every group has acknowledged everything, per partition (nil without groups).
    func acknowledgedByAll(_ index: Int) -> Offset? {
        groups.values.map { $0.partitions[index].acknowledgedFloor }.min()
    }
}
