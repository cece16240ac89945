import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One write-ahead journal shared by every partition whose topic syncs before acknowledging, so that one
/// `fdatasync` makes a whole round of appends durable, whatever partitions they went to.
///
/// A partition's writer writes its batches to its own segment file (not synced), then hands the same
/// bytes to ``append(_:)``. Appends queue up; one caller at a time (the leader, on an I/O thread) takes
/// everything queued, writes it with one write, syncs once and completes each entry. Segment files are
/// synced later, at a checkpoint: once the current journal file passes ``checkpointBytes``, new entries
/// go to a new file, every journaled partition's active segment is synced on the journal's own thread,
/// and only then are the older journal files retired: one is kept as the spare that the next file
/// reuses (overwriting allocated blocks makes each `fdatasync` cheaper than growing a file: it has no
/// size or block map to update), the others are deleted. Recovery (``JournalScan``) gives back to each
/// partition what its segment lacks.
///
/// If a checkpoint fails, the journal keeps every file from then on (until the next open replays
/// them): after a failed sync the system may have dropped the segment's data, which only the journal
/// still has.
final class CommitJournal: Sendable {
    /// One partition's appended batches, waiting for the journal's sync.
    struct Entry: Sendable {
        var topic: String
        var partition: Int
        /// Encoded record batches, exactly as written to the partition's segment.
        var batches: ByteBuffer
        /// Called once the entry is durable, or with the error that stopped it.
        var completion: @Sendable (Result<Void, StorageError>) -> Void
    }

    private struct State {
        var pending: [Entry] = []
        var isLeading = false
        var file: any LogFile
        var generation: UInt64
        /// Where the next round is written.
        var position: Int64 = 0
        /// The bytes past ``position`` a failed round may have left: cut before the next write.
        var needsCut = false
        /// Files replaced by newer ones, waiting for a checkpoint to make them unneeded.
        var retired: [(generation: UInt64, file: any LogFile)] = []
        var isCheckpointing = false
        /// Set once a checkpoint failed: no file is deleted from then on.
        var keepsFiles = false
        var isClosed = false
        /// The partitions whose acknowledgements rest on the journal: a checkpoint syncs their segments.
        var partitions: [LockedPartition] = []
        /// The generation the spare file last held, if there is a spare.
        var spare: UInt64?
    }

    /// The most bytes one round writes.
    static let maximumRoundBytes = 16 * 1024 * 1024

    let directory: String
    /// The journal file size past which a checkpoint starts.
    let checkpointBytes: Int64
    /// How many partitions must be registered before their writers use the journal.
    let activeFromPartitions: Int
    private let fileSystem: any LogFileSystem
    private let threadPool: NIOThreadPool
    /// One thread for checkpoints, so that syncing segments never holds up the I/O threads.
    private let checkpointThread: NIOThreadPool
    private let logger: Logger
    // Mutex: appending I/O threads, the leader and the checkpoint thread share the queue and the files.
    private let state: Mutex<State>

    /// Starts the journal file of `generation` in `directory`, reusing the spare file that last held
    /// generation `spare` if there is one (`generation` must be above every generation a file in
    /// `directory` has held: ``JournalScan/nextGeneration``). Writers use the journal once
    /// `activeFromPartitions` partitions are registered.
    ///
    /// - Throws: ``StorageError`` when the file cannot be created.
    init(
        directory: String,
        generation: UInt64,
        spare: UInt64?,
        activeFromPartitions: Int,
        checkpointBytes: Int64,
        fileSystem: any LogFileSystem,
        threadPool: NIOThreadPool,
        logger: Logger
    ) throws(StorageError) {
        self.directory = directory
        self.checkpointBytes = checkpointBytes
        self.activeFromPartitions = activeFromPartitions
        self.fileSystem = fileSystem
        self.threadPool = threadPool
        self.logger = logger
        let file = try Self.create(directory, generation: generation, reusing: spare, fileSystem: fileSystem)
        self.state = Mutex(State(file: file, generation: generation))
        self.checkpointThread = NIOThreadPool(numberOfThreads: 1)
        checkpointThread.start()
    }

    /// Starts the file of `generation`: the spare file (that last held generation `spare`) renamed, when
    /// there is one (its old entries are of earlier generations and end the file for recovery), else a
    /// new empty file.
    private static func create(
        _ directory: String,
        generation: UInt64,
        reusing spare: UInt64?,
        fileSystem: any LogFileSystem
    ) throws(StorageError) -> any LogFile {
        let path = JournalScan.path(directory, generation: generation)
        if let spare {
            try fileSystem.rename(JournalScan.sparePath(directory, generation: spare), to: path)
            try fileSystem.syncDirectory(directory)
            return try fileSystem.open(path, creating: false)
        }
        let file = try fileSystem.open(path, creating: true)
        try file.truncate(to: 0)
        try fileSystem.syncDirectory(directory)
        return file
    }

    /// Keeps the file of `generation` as the spare if there is none yet, else deletes it.
    private func retire(_ generation: UInt64, _ file: any LogFile) throws(StorageError) {
        try? file.close()
        let path = JournalScan.path(directory, generation: generation)
        let keep = state.withLock { state in
            if state.spare != nil { return false }
            state.spare = generation
            return true
        }
        if keep {
            try fileSystem.rename(path, to: JournalScan.sparePath(directory, generation: generation))
        } else {
            try fileSystem.removeItem(path)
        }
    }

    /// Adds a partition whose writer acknowledges on the journal's syncs: checkpoints sync its segment.
    func register(_ partition: LockedPartition) {
        state.withLock { $0.partitions.append(partition) }
    }

    /// Removes a partition whose store was closed (its topic was deleted): checkpoints no longer sync it.
    func unregister(_ partition: LockedPartition) {
        state.withLock { state in state.partitions.removeAll { $0 === partition } }
    }

    /// Whether writers should append through the journal now: enough partitions are registered that
    /// syncing each would cost more than one shared sync. A writer may switch either way between group
    /// commits: a segment sync also covers the batches it had journaled, and journaled batches are
    /// recovered from the journal.
    var isActive: Bool {
        state.withLock { $0.partitions.count >= activeFromPartitions }
    }

    /// Syncs every registered partition's active segment, without holding its lock during the sync:
    /// everything written before the call is durable after it (older segments were synced when sealed).
    private func syncSegments() throws(StorageError) {
        let partitions = state.withLock { $0.partitions }
        for partition in partitions {
            let file = partition.withLock { $0.activeFile }
            try file.sync()
        }
    }

    /// Queues `entry` for the next sync. If no round is under way, the caller leads one on its own thread
    /// (an I/O thread: it blocks in the write and the sync); else the current leader takes it next.
    func append(_ entry: Entry) {
        let lead = state.withLock { state -> Bool? in
            if state.isClosed { return nil }
            state.pending.append(entry)
            if state.isLeading { return false }
            state.isLeading = true
            return true
        }
        switch lead {
        case nil: entry.completion(.failure(.closed(path: directory)))
        case true?: leadRound()
        case false?: break
        }
    }

    /// Writes and syncs what is queued, completes it, and, if more queued meanwhile, goes to the back of
    /// the I/O pool's queue rather than looping, so partitions' writers get the thread between rounds.
    private func leadRound() {
        let round = state.withLock { state in
            var count = 0
            var bytes = 0
            while count < state.pending.count, count == 0 || bytes < Self.maximumRoundBytes {
                let entry = state.pending[count]
                bytes += JournalRecord.size(topic: entry.topic, batches: entry.batches.readableBytes)
                count += 1
            }
            let entries = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            if entries.isEmpty { state.isLeading = false }
            return (entries, bytes, state.file, state.generation, state.position, state.needsCut)
        }
        let (entries, bytes, file, generation, position, needsCut) = round
        if entries.isEmpty { return }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes)
        for entry in entries {
            JournalRecord.encode(generation: generation, topic: entry.topic, partition: entry.partition, batches: entry.batches, into: &buffer)
        }
        let result: Result<Void, StorageError>
        do throws(StorageError) {
            if needsCut { try file.truncate(to: position) }
            try file.write(buffer, at: position)
            try file.sync()
            result = .success(())
        } catch {
            // Cut what may have reached the file, so the next round starts on an entry boundary; if the cut
            // fails too, the next round tries again before writing.
            let cut = (try? file.truncate(to: position)) != nil
            state.withLock { $0.needsCut = !cut }
            result = .failure(error)
        }
        let rotate = state.withLock { state -> Bool in
            guard case .success = result else { return false }
            state.needsCut = false
            state.position = position + Int64(buffer.readableBytes)
            return state.position >= checkpointBytes && !state.isCheckpointing && !state.isClosed
        }
        for entry in entries { entry.completion(result) }
        if rotate { startCheckpoint() }
        let more = state.withLock { state -> Bool in
            if state.pending.isEmpty { state.isLeading = false }
            return state.isLeading
        }
        if more { threadPool.submit { [self] _ in self.leadRound() } }
    }

    /// Moves new entries to a new file, then, on the checkpoint thread, syncs the segments and deletes
    /// the older files. Runs on the leader's thread between rounds, when no write is under way.
    private func startCheckpoint() {
        let (generation, spare) = state.withLock { state in
            defer { state.spare = nil }
            return (state.generation + 1, state.spare)
        }
        let next: any LogFile
        do {
            next = try Self.create(directory, generation: generation, reusing: spare, fileSystem: fileSystem)
        } catch {
            logger.error("the commit journal could not start a new file; it grows until it can", metadata: ["herald.error": "\(error)"])
            return
        }
        state.withLock { state in
            state.retired.append((state.generation, state.file))
            state.file = next
            state.generation = generation
            state.position = 0
            state.isCheckpointing = true
        }
        checkpointThread.submit { [self] _ in self.checkpoint(below: generation) }
    }

    /// Syncs every journaled segment, then deletes the journal files older than `generation`.
    private func checkpoint(below generation: UInt64) {
        var failure: (any Error)?
        do {
            try syncSegments()
        } catch {
            failure = error
        }
        let retired = state.withLock { state -> [(generation: UInt64, file: any LogFile)] in
            defer { state.isCheckpointing = false }
            if failure != nil { state.keepsFiles = true }
            guard !state.keepsFiles else { return [] }
            let done = state.retired.filter { $0.generation < generation }
            state.retired.removeAll { $0.generation < generation }
            return done
        }
        if let failure {
            logger.error(
                "syncing segments for a journal checkpoint failed; the journal keeps every file until the log is opened again",
                metadata: ["herald.error": "\(failure)"]
            )
            return
        }
        do {
            for (old, file) in retired { try retire(old, file) }
            try fileSystem.syncDirectory(directory)
        } catch {
            logger.warning("retiring an old journal file failed; the next open replays it (harmless)", metadata: ["herald.error": "\(error)"])
        }
    }

    /// Stops taking entries and waits for a running checkpoint. When `deleteFiles` is true (every segment
    /// was synced and closed cleanly), retires the journal's files: nothing in them is needed (one is kept
    /// as the spare for the next open).
    func close(deleteFiles: Bool) async {
        let files = state.withLock { state -> [(UInt64, any LogFile)] in
            state.isClosed = true
            state.partitions = []
            return state.retired.map { ($0.generation, $0.file) } + [(state.generation, state.file)]
        }
        try? await checkpointThread.shutdownGracefully()
        let keep = state.withLock { $0.keepsFiles }
        for (generation, file) in files {
            if deleteFiles && !keep {
                try? retire(generation, file)
            } else {
                try? file.close()
            }
        }
        if deleteFiles && !keep { try? fileSystem.syncDirectory(directory) }
    }
}
