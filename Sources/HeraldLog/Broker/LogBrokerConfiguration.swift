/// How a ``LogBroker`` stores and serves its topics.
public struct LogBrokerConfiguration: Sendable {
    /// The directory holding every topic and consumer group.
    public var dataDirectory: String
    /// The durability of topics that do not choose their own. Default
    /// ``DurabilityPolicy/fsyncBeforeAcknowledge``.
    public var defaultDurability: DurabilityPolicy
    /// A partition starts a new segment file once the active one holds this many bytes. Default 64 MiB.
    public var segmentBytes: Int64
    /// Threads doing file I/O (writes, syncs) off the Swift concurrency pool. Default 2 (on this 2-core
    /// machine 4 measured no better: `herald bench --io-threads`).
    public var ioThreads: Int
    /// How often maintenance runs while the broker runs as a service: interval syncs, age retention and
    /// consumer group checkpoints. Default 100 ms.
    public var maintenanceInterval: Duration
    /// When topics that sync before acknowledging share one commit journal (`journal/` in the data
    /// directory), so that a round of appends to any number of partitions costs one `fdatasync` and segment
    /// files are synced at the journal's checkpoints. Default ``CommitJournalMode/automatic``.
    public var commitJournal: CommitJournalMode
    /// The commit journal file size past which a checkpoint syncs the segments and a new journal file
    /// starts (the older ones are then deleted). Recovery reads at most about this much journal.
    /// Default 64 MiB.
    public var journalCheckpointBytes: Int64
    /// The file system; tests pass a ``FaultInjectingFileSystem``. Default ``POSIXFileSystem``.
    public var fileSystem: any LogFileSystem
    /// Decoded events kept in memory per partition for consumers, at most. Default 4,096.
    public var cachedEventsPerPartition: Int
    /// Bytes of events kept in memory per partition for consumers, at most (one event more if it alone is
    /// larger). Default 4 MiB.
    public var cachedBytesPerPartition: Int
    /// The most segment and index files held open at once, whatever the number of segments; the least
    /// recently used are closed and opened again when needed. Default 256.
    public var maximumOpenFiles: Int
    /// How long graceful shutdown (``LogBroker/run()``) waits for subscribers to settle what they hold and
    /// leave before the broker checkpoints and closes. Default 30 seconds, longer than a consumer's own grace
    /// period.
    public var shutdownGracePeriod: Duration

    /// Creates a configuration with the defaults stated on each property.
    public init(
        dataDirectory: String,
        defaultDurability: DurabilityPolicy = .fsyncBeforeAcknowledge,
        segmentBytes: Int64 = 64 * 1024 * 1024,
        ioThreads: Int = 2,
        maintenanceInterval: Duration = .milliseconds(100),
        fileSystem: any LogFileSystem = POSIXFileSystem(),
        cachedEventsPerPartition: Int = 4_096,
        cachedBytesPerPartition: Int = 4 * 1024 * 1024,
        maximumOpenFiles: Int = 256,
        commitJournal: CommitJournalMode = .automatic,
        journalCheckpointBytes: Int64 = 64 * 1024 * 1024,
        shutdownGracePeriod: Duration = .seconds(30)
    ) {
        self.shutdownGracePeriod = shutdownGracePeriod
        self.dataDirectory = dataDirectory
        self.defaultDurability = defaultDurability
        self.segmentBytes = segmentBytes
        self.ioThreads = ioThreads
        self.maintenanceInterval = maintenanceInterval
        self.fileSystem = fileSystem
        self.cachedEventsPerPartition = cachedEventsPerPartition
        self.cachedBytesPerPartition = cachedBytesPerPartition
        self.maximumOpenFiles = maximumOpenFiles
        self.commitJournal = commitJournal
        self.journalCheckpointBytes = journalCheckpointBytes
    }
}
