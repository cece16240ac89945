import Foundation
import Herald
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The embedded event store: every stream's events in one append-only log of CRC-checked record batches
/// (the log of ``LogBroker``'s partitions), one batch per append, so an append is all there or not at
/// all after a crash. A per-stream index (the offset of each revision) is kept in memory and rebuilt from
/// the log when the store opens. The log offset is the global position.
///
/// Appends to one stream are serialised (the expected revision is checked and the batch written under
/// the stream's lock); appends to different streams run concurrently and share writes and syncs (group
/// commit). Damage found in the log is reported in ``damages`` and by the reads that reach it, never
/// skipped.
public final class LogEventStore: EventStore {
    private struct State {
        var index = StreamIndex()
        var isClosed = false
    }

    /// The largest append, in encoded bytes: one record batch.
    public static let maximumAppendBytes = RecordBatch.maximumSize - 1024 * 1024

    // Mutex: appends, reads and waits come from any task; held only to read or change the index.
    private let state: Mutex<State>
    private let partition: LockedPartition
    private let writer: PartitionWriter
    private let threadPool: NIOThreadPool
    private let directoryLock: DataDirectoryLock
    private let streamLocks = KeyedLock()
    private let waiters = AppendWaiters()
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Damaged ranges of the log found when the store was opened.
    public let damages: [EventStoreDamage]
    /// The directory the store keeps its log in.
    public let directory: String

    private init(
        directory: String, index: StreamIndex, damages: [EventStoreDamage], partition: LockedPartition, writer: PartitionWriter, threadPool: NIOThreadPool,
        directoryLock: DataDirectoryLock, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.state = Mutex(State(index: index))
        self.damages = damages
        self.directory = directory
        self.partition = partition
        self.writer = writer
        self.threadPool = threadPool
        self.directoryLock = directoryLock
        self.now = now
        self.logger = logger
    }

    /// Opens the store in ``LogEventStoreConfiguration/directory`` (creating it if needed): recovers the
    /// log (cutting a torn tail, recording damage) and rebuilds the stream index from it. `now` stamps
    /// ``RecordedEvent/recordedAt``.
    ///
    /// - Throws: ``StorageError`` when the directory is in use by another process or cannot be read.
    public static func open(
        _ configuration: LogEventStoreConfiguration,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "herald.event-store")
    ) async throws -> LogEventStore {
        let fileSystem = configuration.fileSystem
        try fileSystem.createDirectory(configuration.directory)
        let directoryLock = try DataDirectoryLock.acquire(configuration.directory)
        let threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        threadPool.start()
        do {
            let (partition, index, damages) = try await threadPool.runIfActive { () throws -> (LockedPartition, StreamIndex, [EventStoreDamage]) in
                let store = try PartitionStore.open(
                    directory: "\(configuration.directory)/events", partition: Partition(0), fileSystem: fileSystem,
                    options: PartitionStore.Options(segmentBytes: configuration.segmentBytes), logger: logger)
                let (index, damages) = try rebuildIndex(from: store, logger: logger)
                return (LockedPartition(store), index, damages)
            }
            let writer = PartitionWriter(partition: partition, policy: configuration.durability, threadPool: threadPool)
            logger.debug("event store opened", metadata: ["herald.streams": "\(index.streamCount)", "herald.head": "\(index.head.map(String.init) ?? "none")"])
            return LogEventStore(
                directory: configuration.directory, index: index, damages: damages, partition: partition, writer: writer, threadPool: threadPool,
                directoryLock: directoryLock, now: now,
                logger: logger)
        } catch {
            try? await threadPool.shutdownGracefully()
            directoryLock.release()
            throw error
        }
    }

    /// Syncs and closes the log and releases the directory; later calls fail with
    /// ``EventStoreError/closed()``. Calling it again does nothing.
    ///
    /// - Throws: ``StorageError`` when the final sync or close fails.
    public func close() async throws {
        let wasOpen = state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return }
        // Appends in flight hold their stream's lock until their write returns; the writer finishes them
        // before the store's files close (its thread pool drains first).
        defer { directoryLock.release() }
        let partition = self.partition
        var failure: (any Error)?
        do {
            try await threadPool.runIfActive {
                try partition.withLock { (store: PartitionStore) throws(StorageError) in try store.close() }
            }
        } catch {
            failure = error
        }
        try? await threadPool.shutdownGracefully()
        if let failure { throw failure }
    }

    // MARK: Appending

    /// Appends `events` to `stream` as one record batch if `expected` holds; the same ids again with the
    /// same expectation return the first append's result.
    ///
    /// - Throws: ``WrongExpectedRevisionError``; ``EventStoreError`` for an invalid or oversize append, a
    ///   closed store, or a failed write (nothing of the append is then acknowledged).
    public func append(_ events: [Event], to stream: String, expecting expected: ExpectedRevision) async throws -> AppendResult {
        try AppendRules.validate(events, to: stream)
        try checkOpen()
        return try await streamLocks.withLock(stream) {
            let current = state.withLock { $0.index.lastRevision(of: stream) }
            if let earlier = try await alreadyAppended(events, to: stream, expected: expected, current: current) { return earlier }
            guard expected.isMet(byCurrent: current) else {
                throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: current)
            }
            let first = current.map { $0 + 1 } ?? 0
            let records = events.enumerated().map { index, event in
                (key: Optional(stream), value: StreamRecord.encode(event, revision: first + UInt64(index)))
            }
            let bytes = records.reduce(0) { $0 + $1.value.readableBytes + stream.utf8.count + 16 }
            guard bytes <= Self.maximumAppendBytes else {
                throw EventStoreError.invalidAppend(
                    stream: stream, reason: "it takes \(bytes) bytes; the limit is \(Self.maximumAppendBytes): append in smaller parts")
            }
            let timestamp = Int64((now().timeIntervalSince1970 * 1_000).rounded(.down))
            let base: Offset
            do {
                base = try await writer.append(.values(records), timestamp: timestamp)
            } catch let error as StorageError {
                throw EventStoreError.unavailable("appending to stream '\(stream)': \(error)", isRetryable: error.isRetryable)
            }
            state.withLock { state in
                for index in records.indices {
                    state.index.record(stream: stream, revision: first + UInt64(index), offset: base.value + Int64(index))
                }
            }
            waiters.notifyAll()
            let last = UInt64(records.count - 1)
            return AppendResult(nextExpectedRevision: first + last, position: UInt64(base.value) + last)
        }
    }

    /// The result of an earlier append of the same ids with the same expectation, if `events` are that
    /// append again (``AppendRules/retryRevisions(count:expected:current:)``).
    private func alreadyAppended(_ events: [Event], to stream: String, expected: ExpectedRevision, current: UInt64?) async throws -> AppendResult? {
        guard let revisions = AppendRules.retryRevisions(count: events.count, expected: expected, current: current) else { return nil }
        let stored = try await read(stream: stream, from: .revision(revisions.lowerBound), direction: .forwards, limit: events.count)
        guard stored.count == events.count, zip(stored, events).allSatisfy({ $0.event.id == $1.id }), let last = stored.last else { return nil }
        return AppendResult(nextExpectedRevision: last.revision, position: last.position, wasAlreadyAppended: true)
    }

    // MARK: Reading

    /// Up to `limit` events of `stream` from `start` in `direction`.
    ///
    /// - Throws: ``EventStoreError`` for an invalid stream name, a closed store, a failed read, or an event
    ///   in a damaged range (named by its revision and offset).
    public func read(stream: String, from start: StreamReadStart, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try StreamName.validate(stream)
        try checkOpen()
        let wanted = state.withLock { state in
            state.index.offsets(
                of: stream, revisions: StreamReadRange.revisions(count: state.index.count(of: stream), from: start, direction: direction, limit: limit))
        }
        guard !wanted.isEmpty else { return [] }
        return try await onIOThread { [partition] () throws(EventStoreError) -> [RecordedEvent] in
            var loaded: [Int64: LogRecord] = [:]
            return try wanted.map { (revision, offset) throws(EventStoreError) -> RecordedEvent in
                guard offset != StreamIndex.damaged else {
                    throw .unavailable(
                        "revision \(revision) of stream '\(stream)' is in a damaged range of the log (see the store's damages)", isRetryable: false)
                }
                if loaded[offset] == nil {
                    // One batch: one append, whose events are consecutive revisions of this stream.
                    loaded.removeAll(keepingCapacity: true)
                    for record in try Self.records(from: offset, in: partition, maximumBytes: 1) { loaded[record.offset.value] = record }
                }
                guard let record = loaded[offset] else {
                    throw .unavailable("revision \(revision) of stream '\(stream)' is missing from the log at offset \(offset)", isRetryable: false)
                }
                let recorded = try Self.recorded(record)
                guard recorded.stream == stream, recorded.revision == revision else {
                    throw .unavailable(
                        "the log's record at offset \(offset) is revision \(recorded.revision) of '\(recorded.stream)', not revision \(revision) of '\(stream)'",
                        isRetryable: false)
                }
                return recorded
            }
        }
    }

    /// Up to `limit` events of every stream in global (log) order from `position`.
    ///
    /// - Throws: ``EventStoreError`` for a closed store, a failed read, or a damaged range (named by its
    ///   offsets).
    public func readAll(from position: UInt64, limit: Int) async throws -> [RecordedEvent] {
        try checkOpen()
        guard limit > 0, let head = state.withLock({ $0.index.head }), position <= head, position < UInt64(Int64.max) else { return [] }
        return try await onIOThread { [partition] () throws(EventStoreError) -> [RecordedEvent] in
            var events: [RecordedEvent] = []
            var next = Int64(position)
            while events.count < limit, next <= Int64(head) {
                let records = try Self.records(from: next, in: partition, maximumBytes: 1 << 20)
                guard !records.isEmpty else { break }
                for record in records where record.offset.value >= next && record.offset.value <= Int64(head) && events.count < limit {
                    events.append(try Self.recorded(record))
                }
                next = (records.last?.offset.value ?? next) + 1
            }
            return events
        }
    }

    /// The last revision of `stream`, `nil` when it does not exist.
    ///
    /// - Throws: ``EventStoreError`` for an invalid stream name.
    public func lastRevision(of stream: String) async throws -> UInt64? {
        try StreamName.validate(stream)
        return state.withLock { $0.index.lastRevision(of: stream) }
    }

    /// The global position of the newest event, `nil` while the store is empty.
    public func headPosition() async throws -> UInt64? {
        state.withLock { $0.index.head }
    }

    /// Returns once an event after `position` is indexed, or at `deadline`.
    public func waitForAppends(after position: UInt64?, until deadline: ContinuousClock.Instant) async {
        await waiters.wait(after: position, until: deadline) { state.withLock { $0.index.head } }
    }

    // MARK: Support

    private func checkOpen() throws(EventStoreError) {
        if state.withLock({ $0.isClosed }) { throw .closed() }
    }

    /// Runs blocking file work on the store's I/O threads.
    private func onIOThread<T: Sendable>(_ body: @escaping @Sendable () throws(EventStoreError) -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive { try body() }
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError.closed()
        }
    }

    /// The records from `offset` on (about `maximumBytes` of them), a storage failure as the store's error.
    private static func records(from offset: Int64, in partition: LockedPartition, maximumBytes: Int) throws(EventStoreError) -> [LogRecord] {
        do {
            return try partition.withLock { (store: PartitionStore) throws(StorageError) in try store.read(from: Offset(offset), maximumBytes: maximumBytes) }
        } catch {
            throw .unavailable("reading the log at offset \(offset): \(error)", isRetryable: error.isRetryable)
        }
    }

    /// The recorded event a log record holds.
    private static func recorded(_ record: LogRecord) throws(EventStoreError) -> RecordedEvent {
        guard let stream = record.key else {
            throw .unavailable("the log's record at offset \(record.offset.value) names no stream", isRetryable: false)
        }
        do {
            let (revision, event) = try StreamRecord.decode(record.value)
            return RecordedEvent(
                stream: stream, revision: revision, position: UInt64(record.offset.value), event: event,
                recordedAt: Date(timeIntervalSince1970: Double(record.timestamp) / 1_000))
        } catch {
            throw .unavailable("the log's record at offset \(record.offset.value) cannot be decoded: \(error)", isRetryable: false)
        }
    }

    /// Reads the whole log once and indexes every record by stream and revision; damaged ranges are
    /// skipped and returned (logged as errors), not hidden.
    private static func rebuildIndex(from store: PartitionStore, logger: Logger) throws(StorageError) -> (StreamIndex, [EventStoreDamage]) {
        var index = StreamIndex()
        var damages: [EventStoreDamage] = []
        var offset = store.startOffset
        let end = store.endOffset
        func damaged(_ range: Range<Int64>, _ reason: String) {
            let damage = EventStoreDamage(positions: UInt64(range.lowerBound)..<UInt64(range.upperBound), reason: reason)
            logger.error("the event store's log is damaged; reads of these positions fail", metadata: ["herald.damage": "\(damage)"])
            damages.append(damage)
            if range.upperBound > range.lowerBound { index.cover(range.upperBound - 1) }
        }
        while offset < end {
            let records: [LogRecord]
            do {
                records = try store.read(from: offset, maximumBytes: 1 << 20)
            } catch {
                guard let corruption = store.corruptions.first(where: { $0.covers(offset) }) else { throw error }
                damaged(corruption.offset.value..<corruption.endOffset.value, corruption.reason)
                offset = max(corruption.endOffset, offset.next)
                continue
            }
            guard let last = records.last else { break }
            for record in records where record.offset >= offset {
                guard let stream = record.key, let revision = StreamRecord.revision(of: record.value) else {
                    damaged(record.offset.value..<(record.offset.value + 1), "the record names no stream or revision")
                    continue
                }
                if let problem = index.record(stream: stream, revision: revision, offset: record.offset.value) {
                    logger.error("the event store's index found a gap or a repeat", metadata: ["herald.problem": "\(problem)"])
                }
            }
            offset = last.offset.next
        }
        return (index, damages)
    }
}
