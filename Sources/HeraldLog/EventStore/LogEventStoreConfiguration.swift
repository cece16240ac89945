/// How a ``LogEventStore`` stores its streams.
public struct LogEventStoreConfiguration: Sendable {
    /// The directory holding the store's log (created if missing; one process at a time).
    public var directory: String
    /// When an append is acknowledged. Default ``DurabilityPolicy/fsyncBeforeAcknowledge``: concurrent
    /// appends share one write and one sync (group commit).
    public var durability: DurabilityPolicy
    /// A new segment file starts once the active one holds this many bytes. Default 64 MiB.
    public var segmentBytes: Int64
    /// Threads doing file I/O off the Swift concurrency pool. Default 2.
    public var ioThreads: Int
    /// The file system; tests pass a ``FaultInjectingFileSystem``. Default ``POSIXFileSystem``.
    public var fileSystem: any LogFileSystem

    /// Creates a configuration with the defaults stated on each property.
    public init(
        directory: String,
        durability: DurabilityPolicy = .fsyncBeforeAcknowledge,
        segmentBytes: Int64 = 64 * 1024 * 1024,
        ioThreads: Int = 2,
        fileSystem: any LogFileSystem = POSIXFileSystem()
    ) {
        self.directory = directory
        self.durability = durability
        self.segmentBytes = segmentBytes
        self.ioThreads = ioThreads
        self.fileSystem = fileSystem
    }
}
