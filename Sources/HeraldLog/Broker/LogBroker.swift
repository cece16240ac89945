import Herald
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

import struct Foundation.Date
import struct Foundation.UUID

/// Herald's default broker: topics kept on disk in segment files (see `Docs/storage-format.md`), crash
/// safe, with consumer groups whose positions survive restarts.
///
/// Open it with ``open(_:clock:logger:)``; run it as a ServiceLifecycle `Service` so that interval syncs, age
/// retention and group checkpoints happen; ``close()`` (or graceful shutdown) checkpoints and closes it.
///
/// Topic limits: `maximumEvents` is exact (a persisted logical start offset hides what is dropped);
/// `maximumBytes` counts the bytes on disk (payloads plus envelope and batch overhead) and is enforced a
/// whole segment at a time.
///
/// Consumer group positions are checkpointed every ``LogBrokerConfiguration/maintenanceInterval`` and on
/// close. After a crash, acknowledgements of the last interval may be lost, and those events delivered
/// again — at least once, never lost. Delivery counts have the same precision.
public final class LogBroker: BrokerAdmin, GroupCoordinator {
    struct State {
        var topics: [String: LogTopic] = [:]
        var isShutDown = false
        /// Topics being created (their files written off this lock), with a signal for callers waiting on them.
        var creations: [String: AsyncSignal] = [:]
        var journalRecovery = JournalRecovery()
        /// Topics whose metadata could not be taken at its word, by name.
        var quarantinedTopics: [String: Quarantine] = [:]
        /// Names of topics deleted since the broker opened: one created again under such a name gets an
        /// incarnation of its own in the commit journal (see ``TopicManifest/incarnation``).
        var deletedTopics: Set<String> = []
        /// Topics whose files are being removed: not created again until that is done.
        var deletingTopics: Set<String> = []

        /// The error for a call on `name` when no open topic has that name.
        func missingTopic(_ name: String) -> BrokerError {
            guard let quarantine = quarantinedTopics[name] else { return .unknownTopic(name) }
            return .unavailable(
                "topic '\(name)' is quarantined: \(quarantine.path): \(quarantine.reason). Its files are kept as they are; "
                    + "repair or restore that file (it must name the topic and at least as many partitions as its directory holds) and reopen the broker"
            )
        }
    }

    /// The largest event the log stores, counted as it is stored (every attribute, the data and the
    /// partition key): 32 MiB. A topic's `maximumEventBytes` may be set up to it; a larger event is refused
    /// with ``Herald/BrokerError/eventTooLarge(topic:eventID:size:limit:)`` before anything is written. Any
    /// number of events fits in one publish: the log stores them in batches of at most 64 MiB, the largest
    /// a reader accepts.
    public static let maximumEventBytes = 32 * 1024 * 1024

    /// How the broker was opened.
    public let configuration: LogBrokerConfiguration
    // Mutex: the registry of topics and the broker-wide flags; held only to look a topic up or change the
    // registry, never during file work. Each topic's own state is behind the topic's lock
    // (``LogTopic/withLock(_:)``). Lock order: this lock, then a topic's, then a partition's, then a
    // signal's; this one is never taken while a topic's is held.
    let state = Mutex(State())
    // Atomic: every publish takes an id (it names the publish's claims in de-duplication windows).
    let lastPublishID = Atomic<UInt64>(0)
    let threadPool: NIOThreadPool
    /// The journal whose syncs acknowledge fsync-before-acknowledge publishes, unless configured off.
    let journal: CommitJournal?
    let logger: Logger
    /// Tasks in ``waitUntilIdle(groups:timeout:)``.
    package let idleWaiters = IdleWaiters()
    /// The time ack deadlines, redelivery delays, de-duplication windows, stored times and age retention
    /// are read from.
    let time: TimeSource
    /// Keeps other processes out of the data directory until the broker closes.
    let directoryLock: DataDirectoryLock

    /// The broker's time, for its consumer groups.
    package var groupTime: TimeSource { time }
    /// Writes the consumer groups' checkpoint files.
    let checkpointer: GroupCheckpointer
    /// Plans each publish under its topic's lock.
    let planner: PublishPlanner
    /// The configured file system behind the cap on open files.
    let fileSystem: LimitedFileSystem
    var topicsDirectory: String { "\(configuration.dataDirectory)/topics" }
    var groupsDirectory: String { checkpointer.directory }
    static func journalDirectory(_ configuration: LogBrokerConfiguration) -> String { "\(configuration.dataDirectory)/journal" }

    private init(
        configuration: LogBrokerConfiguration, threadPool: NIOThreadPool, journal: CommitJournal?, directoryLock: DataDirectoryLock, time: TimeSource,
        logger: Logger
    ) {
        self.directoryLock = directoryLock
        self.time = time
        self.configuration = configuration
        self.threadPool = threadPool
        self.journal = journal
        self.logger = logger
        self.fileSystem = LimitedFileSystem(wrapping: configuration.fileSystem, maximumOpenFiles: configuration.maximumOpenFiles)
        self.planner = PublishPlanner(time: time, logger: logger)
        self.checkpointer = GroupCheckpointer(directory: "\(configuration.dataDirectory)/groups", fileSystem: fileSystem)
    }

    /// Files the broker holds open now: at most ``LogBrokerConfiguration/maximumOpenFiles``.
    public var openFiles: Int { fileSystem.limiter.openCount }

    // MARK: Opening and closing

    /// Opens the log in ``LogBrokerConfiguration/dataDirectory`` (creating it if needed), recovering every
    /// partition (giving back from the commit journal what a segment lacks) and restoring every consumer
    /// group. The file work runs on the broker's I/O threads, never on the Swift concurrency pool.
    ///
    /// - Throws: ``StorageError`` when the directory cannot be read or a file cannot be recovered.
    /// `clock` is what ack deadlines, redelivery delays, de-duplication windows, stored times and age
    /// retention run on; default `ContinuousClock` (and the system's wall clock). A test passes a manual
    /// clock (`ManualClock` in HeraldTesting) and advances it instead of sleeping. Syncs and maintenance
    /// always run on real time.
    public static func open(
        _ configuration: LogBrokerConfiguration,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.log")
    ) async throws -> LogBroker {
        let time = TimeSource(clock)
        // Before anything is read: no other process may have this log open.
        try configuration.fileSystem.createDirectory(configuration.dataDirectory)
        let directoryLock = try DataDirectoryLock.acquire(configuration.dataDirectory)
        let threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        threadPool.start()
        var journal: CommitJournal?
        do {
            let directory = journalDirectory(configuration)
            let scan = try await threadPool.runIfActive { () throws(StorageError) -> JournalScan in
                try JournalScan.scan(directory, fileSystem: configuration.fileSystem, logger: logger)
            }
            let activation: Int? =
                switch configuration.commitJournal {
                case .automatic: 2 * max(1, configuration.ioThreads) + 1
                case .always: 1
                case .never: nil
                }
            if let activation {
                journal = try await threadPool.runIfActive { () throws(StorageError) -> CommitJournal in
                    try CommitJournal(
                        directory: directory, generation: scan.nextGeneration, spare: scan.spare,
                        activeFromPartitions: activation, checkpointBytes: configuration.journalCheckpointBytes,
                        fileSystem: configuration.fileSystem, threadPool: threadPool, logger: logger
                    )
                }
            }
            let broker = LogBroker(
                configuration: configuration, threadPool: threadPool, journal: journal, directoryLock: directoryLock, time: time, logger: logger)
            try await threadPool.runIfActive { try broker.load(replaying: scan) }
            return broker
        } catch {
            await journal?.close(deleteFiles: false)
            try? await threadPool.shutdownGracefully()
            directoryLock.release()
            throw error
        }
    }

    /// Runs blocking file work on the I/O threads.
    func onIOThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runIfActive(body)
    }

    /// Checkpoints every group, syncs and closes every partition, and stops the I/O threads. Subscriptions
    /// end; later calls fail with ``BrokerError/closed()``.
    ///
    /// - Throws: ``StorageError`` when a checkpoint or a close fails (the rest is still closed).
    public func close() async throws {
        let topics = state.withLock { state -> [LogTopic] in
            state.isShutDown = true
            return Array(state.topics.values)
        }
        for topic in topics {
            topic.withLock {
                topic.groups.closeAll()
                idleWaiters.notifyAll()
            }
        }
        let partitions = topics.flatMap { $0.partitions.map(\.writer.partition) }
        var failure: BrokerError?
        do {
            failure = try await onIOThread { [self] () -> String? in
                var firstError: String?
                // Retention's pending file work first: it closes the files of the segments it dropped.
                for topic in topics { topic.retireFiles(logger: logger) }
                do { try checkpointer.checkpoint(topics, all: true) } catch { firstError = "\(error)" }
                for partition in partitions {
                    do {
                        try partition.withLock { (store: PartitionStore) throws(StorageError) in try store.close() }
                    } catch {
                        firstError = firstError ?? "\(error)"
                    }
                }
                return firstError
            }.map { BrokerError.unavailable("closing the log failed: \($0)") }
        } catch {
            failure = BrokerError.unavailable("closing the log failed: \(error)")
        }
        // Every segment was synced as it closed: the journal's content is no longer needed.
        await journal?.close(deleteFiles: failure == nil)
        try? await threadPool.shutdownGracefully()
        directoryLock.release()
        if let failure { throw failure }
    }

    /// Runs maintenance every ``LogBrokerConfiguration/maintenanceInterval`` until graceful shutdown or
    /// cancellation, then closes the broker.
    ///
    /// On graceful shutdown the subscriptions end first and the broker waits, up to
    /// ``LogBrokerConfiguration/shutdownGracePeriod``, for their subscribers to settle what they hold and
    /// leave; then it checkpoints and closes. So no acknowledgement is lost whatever the order of a
    /// `ServiceGroup`'s services (though running the broker first, so that it stops last, is the clearer one).
    public func run() async throws {
        try await LogMaintenance(broker: self, interval: configuration.maintenanceInterval).run()
        if Task.isShuttingDownGracefully {
            await drainMembers(timeout: configuration.shutdownGracePeriod)
        }
        try await close()
    }

    /// One round of maintenance: interval syncs, age retention, group checkpoints. It does file I/O on the
    /// calling thread; ``run()`` calls it on the broker's I/O threads.
    public func maintain() {
        let topics = state.withLock { Array($0.topics.values) }
        for topic in topics {
            for partition in topic.partitions {
                do {
                    try partition.writer.syncIfDue()
                } catch {
                    logger.error("interval sync failed", metadata: [LogKey.topic: "\(topic.name)", LogKey.error: "\(error)"])
                }
            }
            if let age = topic.options.retentionAge {
                topic.retireExpired(before: Int64((time.date.secondsSince1970 * 1_000)) - age.milliseconds, logger: logger)
            } else {
                // Work a publish's retention left after a failure is tried again.
                topic.retireFiles(logger: logger)
            }
        }
        do {
            try checkpointer.checkpoint(topics, all: false)
        } catch {
            logger.error("consumer group checkpoint failed; it is retried", metadata: [LogKey.error: "\(error)"])
        }
    }

}
