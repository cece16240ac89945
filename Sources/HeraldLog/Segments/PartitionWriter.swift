import DequeModule
import Herald
import NIOCore
import NIOPosix
import Synchronization

/// Appends to one partition with group commit: concurrent appends queue up; one of them at a time (the
/// leader, on a thread of the I/O pool, never on a Swift concurrency thread) takes everything queued,
/// writes it with one write, makes it durable as the policy asks, and completes them all. A caller's
/// append returns only once its policy is met. With a ``CommitJournal`` and fsync before acknowledging,
/// the sync is the journal's (shared with every other partition's writes of the same round) and the
/// segment is synced at the journal's checkpoints; without one, the writer syncs its segment itself.
final class PartitionWriter: Sendable {
    private struct Request {
        var timestamp: Int64
        /// What to append; events are handed to ``onCommit`` once committed.
        var records: BatchRecords
        var continuation: CheckedContinuation<Offset, any Error>
    }

    /// What one group commit made readable: per request, its first offset, its timestamp and its events
    /// (empty when the caller passed none).
    struct Committed: Sendable {
        var base: Offset
        /// How many records, from `base`.
        var count: Int
        /// The bytes the batch added to the partition's files.
        var bytes: Int
        var timestamp: Int64
        var events: [Event]
    }

    private struct Queue {
        var pending: Deque<Request> = []
        var isLeading = false
        var lastSync = ContinuousClock.now
    }

    /// The most bytes of record values one group commit writes.
    static let maximumGroupBytes = 8 * 1024 * 1024

    let partition: LockedPartition
    private let policy: DurabilityPolicy
    private let threadPool: NIOThreadPool
    /// The shared journal and this partition's name in it, when syncs go through one.
    private let journal: (CommitJournal, JournalScan.Location)?
    // Mutex: appending tasks and the leader thread share the queue.
    private let queue = Mutex(Queue())

    /// Called on the I/O thread after each group commit made new records readable, before any of its
    /// publishers resumes: the broker caches the events for consumers following the tail and wakes them
    /// at once.
    private let onCommit: @Sendable ([Committed]) -> Void

    init(
        partition: LockedPartition,
        policy: DurabilityPolicy,
        threadPool: NIOThreadPool,
        journal: (CommitJournal, JournalScan.Location)? = nil,
        onCommit: @escaping @Sendable ([Committed]) -> Void = { _ in }
    ) {
        self.partition = partition
        self.policy = policy
        self.threadPool = threadPool
        self.journal = journal
        if let (journal, _) = journal, policy == .fsyncBeforeAcknowledge {
            journal.register(partition)
        }
        self.onCommit = onCommit
    }

    /// Appends one batch of encoded records stored at `timestamp` and returns its first offset once the
    /// durability policy is met.
    ///
    /// - Throws: ``StorageError`` when the write or sync fails; then nothing of the batch is acknowledged
    ///   and the partition's end is unchanged.
    func append(_ records: [(key: String?, value: ByteBuffer)], timestamp: Int64) async throws -> Offset {
        try await append(.values(records), timestamp: timestamp)
    }

    /// Appends one batch of records stored at `timestamp` and returns its first offset once the durability
    /// policy is met. Events are encoded straight into the write and passed on to ``onCommit``.
    ///
    /// - Throws: ``StorageError`` when the write or sync fails; then nothing of the batch is acknowledged
    ///   and the partition's end is unchanged.
    func append(_ records: BatchRecords, timestamp: Int64) async throws -> Offset {
        try await withCheckedThrowingContinuation { continuation in
            let lead = queue.withLock { queue -> Bool in
                queue.pending.append(Request(timestamp: timestamp, records: records, continuation: continuation))
                if queue.isLeading { return false }
                queue.isLeading = true
                return true
            }
            if lead {
                threadPool.submit { [self] _ in self.lead() }
            }
        }
    }

    /// Syncs if the interval policy says a sync is due; a no-op under the other policies.
    func syncIfDue() throws(StorageError) {
        guard case .fsyncInterval(let interval) = policy else { return }
        let due = queue.withLock { ContinuousClock.now - $0.lastSync >= interval }
        if due { try sync() }
    }

    /// Makes everything committed durable now.
    func sync() throws(StorageError) {
        try partition.withLock { (store: PartitionStore) throws(StorageError) in try store.sync() }
        queue.withLock { $0.lastSync = .now }
    }

    /// Commits one group of what is queued: writes it to the segment, then makes it durable as the policy
    /// says, through the commit journal when there is one (the group completes when the journal's round
    /// does, on its thread). Runs on an I/O thread; the partition has one group in flight at a time.
    private func lead() {
        let group: [Request] = queue.withLock { queue in
            var group: [Request] = []
            var bytes = 0
            while let next = queue.pending.first, group.isEmpty || bytes < Self.maximumGroupBytes {
                bytes += next.records.approximateBytes
                group.append(next)
                queue.pending.removeFirst()
            }
            if group.isEmpty { queue.isLeading = false }
            return group
        }
        if group.isEmpty { return }
        let prepared: PreparedAppend
        do {
            prepared = try write(group)
        } catch {
            for request in group { request.continuation.resume(throwing: error) }
            continueLeading()
            return
        }
        if let (journal, location) = journal, policy == .fsyncBeforeAcknowledge, journal.isActive {
            journal.append(
                CommitJournal.Entry(topic: location.topic, partition: location.partition, batches: prepared.bytes) { [self] result in
                    self.finish(group, prepared, result)
                }
            )
        } else {
            let result: Result<Void, StorageError>
            do throws(StorageError) {
                if try shouldSyncNow() {
                    try prepared.segment.file.sync()
                    queue.withLock { $0.lastSync = .now }
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            finish(group, prepared, result)
        }
    }

    /// Then, if more has queued meanwhile, goes to the back of the I/O pool's queue rather than looping:
    /// under steady load every partition's leader gets its turn, so one busy partition cannot hold an I/O
    /// thread while another partition's publishers wait.
    private func continueLeading() {
        let more = queue.withLock { queue -> Bool in
            if queue.pending.isEmpty { queue.isLeading = false }
            return queue.isLeading
        }
        if more { threadPool.submit { [self] _ in self.lead() } }
    }

    /// Encodes `group` after the partition's end and writes it to the active segment, not yet readable.
    private func write(_ group: [Request]) throws(StorageError) -> PreparedAppend {
        // Only this leader appends, so the end cannot move between reading it and placing the bytes: the
        // encoding runs outside the store's lock, which readers share.
        let end = partition.withLock { (store: PartitionStore) in store.endOffset }
        let encoded = PartitionStore.encode(group.map { ($0.timestamp, $0.records) }, from: end)
        let prepared = try partition.withLock { (store: PartitionStore) throws(StorageError) in
            try store.prepare(encoded)
        }
        do {
            try prepared.segment.file.write(prepared.bytes, at: prepared.position)
        } catch {
            partition.withLock { $0.abort(prepared) }
            throw error
        }
        return prepared
    }

    /// Once the group's write is durable (or failed): makes it readable and resumes its publishers (or
    /// cuts it and fails them), then leads the next group.
    private func finish(_ group: [Request], _ prepared: PreparedAppend, _ result: Result<Void, StorageError>) {
        switch result {
        case .success:
            partition.withLock { $0.commit(prepared) }
            onCommit(
                group.indices.map { index in
                    Committed(
                        base: prepared.baseOffsets[index], count: group[index].records.count, bytes: prepared.batchSizes[index],
                        timestamp: group[index].timestamp, events: group[index].records.events
                    )
                }
            )
            for (request, base) in zip(group, prepared.baseOffsets) {
                request.continuation.resume(returning: base)
            }
        case .failure(let error):
            partition.withLock { $0.abort(prepared) }
            for request in group { request.continuation.resume(throwing: error) }
        }
        continueLeading()
    }

    private func shouldSyncNow() throws(StorageError) -> Bool {
        switch policy {
        case .fsyncBeforeAcknowledge: return true
        case .operatingSystem: return false
        case .fsyncInterval(let interval): return queue.withLock { ContinuousClock.now - $0.lastSync >= interval }
        }
    }
}
