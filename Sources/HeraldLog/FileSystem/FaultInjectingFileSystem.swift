import NIOCore
import Synchronization

/// A ``LogFileSystem`` that wraps another and makes writes and syncs fail on demand.
///
/// It exists to test that nothing is acknowledged that is not on disk: run the log on it, inject
/// a full disk, a torn write or a failed sync, and check that every append reported as durable
/// is in the underlying files and every failure reached the caller.
///
/// Every ``LogFile`` it opens is wrapped, so faults and counters cover all files; reads, truncation
/// and directory operations other than ``syncDirectory(_:)`` pass straight through. Faults apply
/// from the moment they are set until spent or ``heal()``. A failed sync here does not drop the
/// written data from the underlying file (a real one may); tests that care should treat it as
/// lost anyway. The controls and counters are safe to use from any thread.
public final class FaultInjectingFileSystem: LogFileSystem {
    private struct State {
        var writeBudget: Int?
        var budgetFault = Fault.noSpace
        var failingWrites = 0
        var writeFault = Fault.io
        var failingSyncs = 0
        var syncFault = Fault.io
        var writes = 0
        var syncs = 0
        var bytesWritten = 0
        /// Per file opened here, the size its last successful sync made durable (its size when first
        /// opened, until a sync).
        var durableSizes: [String: Int64] = [:]
        /// Per file, how many times it was truncated: a sync that a truncation overtook makes nothing more
        /// durable (the size it read may include bytes the truncation cut and later writes put back).
        var truncations: [String: Int] = [:]
        /// Files created here whose directory entry no sync of their directory has made durable yet, with
        /// that directory.
        var unsyncedEntries: [String: String] = [:]
        var isPoweredOff = false
        /// Renames and removals of paths containing these fragments wait for their stall to be resumed.
        var stalls: [(fragment: String, stall: FileSystemStall)] = []
    }

    /// The file system every call is passed to.
    public let base: any LogFileSystem
    // Mutex: the files of the log and the test's controls use the state concurrently.
    private let state = Mutex(State())

    /// Wraps `base` (by default the real disk), with no faults set.
    public init(wrapping base: any LogFileSystem = POSIXFileSystem()) {
        self.base = base
    }

    // MARK: Controls

    /// Lets writes store `bytes` more bytes in total, then fails them with `error` (default
    /// ``Fault/noSpace``). A write that straddles the budget stores only the bytes up to it (a
    /// torn write) and then throws; later writes store nothing. `nil` removes the budget.
    public func failWrites(after bytes: Int?, error: Fault = .noSpace) {
        state.withLock {
            $0.writeBudget = bytes.map { max(0, $0) }
            $0.budgetFault = error
        }
    }

    /// Makes the next `count` writes throw `error` (default ``Fault/io``) without storing anything.
    public func failNextWrites(_ count: Int, error: Fault = .io) {
        state.withLock {
            $0.failingWrites = max(0, count)
            $0.writeFault = error
        }
    }

    /// Makes the next `count` syncs, of files or of directories, throw `error` (default
    /// ``Fault/io``) without syncing.
    public func failNextSyncs(_ count: Int, error: Fault = .io) {
        state.withLock {
            $0.failingSyncs = max(0, count)
            $0.syncFault = error
        }
    }

    /// Simulates a power loss under the log: cuts every file opened here back to the size its last
    /// successful sync made durable, dropping what was only written, then fails every write, sync and
    /// truncation (so the log, still open on it, changes nothing more) until ``heal()``. Close the log
    /// and open it again to see what recovery makes of the disk.
    ///
    /// A real power loss may also keep some unsynced writes, or keep later ones and lose earlier ones;
    /// the crash test (SIGKILL) covers the case where every write is kept.
    ///
    /// - Throws: what ``base`` throws when a file cannot be cut.
    public func simulatePowerLoss() throws(StorageError) {
        let sizes = state.withLock { state in
            state.isPoweredOff = true
            return state.durableSizes
        }
        for (path, durable) in sizes where base.fileExists(path) {
            let file = try base.open(path, creating: false)
            defer { try? file.close() }
            if try file.size() > durable { try file.truncate(to: durable) }
        }
    }

    /// Simulates a power loss that tears: every file keeps what its last sync made durable plus a random
    /// prefix (possibly empty, possibly all) of what was written to it since, and every file created since
    /// its directory was last synced disappears. Then, as ``simulatePowerLoss()``, every write, sync and
    /// truncation fails until ``heal()``. The choices come from `generator`, so a seeded run repeats.
    ///
    /// Not modelled: removals and renames not yet made durable by a directory sync (they stay done), and
    /// unsynced writes kept out of order (a later one kept, an earlier one lost).
    ///
    /// - Throws: what ``base`` throws when a file cannot be cut or removed.
    public func simulateTornPowerLoss(using generator: inout some RandomNumberGenerator) throws(StorageError) {
        let (sizes, unsynced) = state.withLock { state in
            state.isPoweredOff = true
            return (state.durableSizes, state.unsyncedEntries)
        }
        for (path, durable) in sizes.sorted(by: { $0.key < $1.key }) where base.fileExists(path) && unsynced[path] == nil {
            let file = try base.open(path, creating: false)
            defer { try? file.close() }
            let size = try file.size()
            guard size > durable else { continue }
            let kept = durable + Int64.random(in: 0...(size - durable), using: &generator)
            if kept < size { try file.truncate(to: kept) }
        }
        for path in unsynced.keys.sorted() where base.fileExists(path) {
            try base.removeItem(path)
        }
    }

    /// Clears every fault, and the power loss; the counters are kept.
    public func heal() {
        state.withLock {
            $0.writeBudget = nil
            $0.failingWrites = 0
            $0.failingSyncs = 0
            $0.isPoweredOff = false
        }
    }

    // MARK: Counters

    /// Write calls made on the files, failed ones included.
    public var writes: Int { state.withLock { $0.writes } }
    /// Sync calls made on files and directories, failed ones included.
    public var syncs: Int { state.withLock { $0.syncs } }
    /// Bytes the underlying files accepted, torn prefixes included.
    public var bytesWritten: Int { state.withLock { $0.bytesWritten } }

    // MARK: Decisions, for the wrapped files

    /// Counts a write of `count` bytes and decides its fate: how many of its bytes to store, and
    /// the fault to throw afterwards, if any.
    func admitWrite(_ count: Int) -> (allowed: Int, fault: Fault?) {
        state.withLock { state in
            state.writes += 1
            if state.isPoweredOff { return (0, .io) }
            if state.failingWrites > 0 {
                state.failingWrites -= 1
                return (0, state.writeFault)
            }
            guard let budget = state.writeBudget else { return (count, nil) }
            if count <= budget {
                state.writeBudget = budget - count
                return (count, nil)
            }
            state.writeBudget = 0
            return (budget, state.budgetFault)
        }
    }

    /// Notes a file's size when first opened: durable until it is written.
    func recordOpened(_ path: String, size: Int64) {
        state.withLock { state in
            if state.durableSizes[path] == nil { state.durableSizes[path] = size }
        }
    }

    /// Counts of truncations of `path` so far; a sync reads it before it reads the file's size.
    func truncationCount(of path: String) -> Int {
        state.withLock { $0.truncations[path, default: 0] }
    }

    /// Notes a successful sync of `path` that found `size` bytes when it started (after `truncations`
    /// truncations); `false` if the power went off while it ran (the sync then did not complete: nothing
    /// more is durable). Syncs of one file may overlap (a journal checkpoint and a segment roll): one that
    /// started earlier and ends later never makes the durable size smaller, as a real `fsync` never undoes
    /// what another one made durable.
    func recordSynced(_ path: String, size: Int64, truncations: Int) -> Bool {
        state.withLock { state in
            guard !state.isPoweredOff else { return false }
            guard state.truncations[path, default: 0] == truncations else { return true }
            state.durableSizes[path] = max(state.durableSizes[path] ?? 0, size)
            return true
        }
    }

    /// Throws after a power loss: nothing changes on a disk without power.
    private func admitChange(_ operation: String, path: String) throws(StorageError) {
        if state.withLock({ $0.isPoweredOff }) { throw Fault.io.error(operation, path: path) }
    }

    /// Makes every rename and removal of a path containing `fragment` wait, on the thread that called it,
    /// until the returned stall is resumed: a disk that is slow for one part of the log. Use it to show that
    /// slow file work on one topic holds up nothing else.
    public func stall(pathsContaining fragment: String) -> FileSystemStall {
        let stall = FileSystemStall()
        state.withLock { $0.stalls.append((fragment, stall)) }
        return stall
    }

    /// Waits while a stall covers `path`.
    private func passStalls(_ path: String) {
        let stalls = state.withLock { state in state.stalls.filter { path.contains($0.fragment) }.map(\.stall) }
        for stall in stalls { stall.pass() }
    }

    /// Decides a truncation of `path` to `size`: throws after a power loss; else a shorter size is
    /// taken as durable at once (recovery treats what lies past it as gone anyway).
    func admitTruncate(_ path: String, to size: Int64) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            if state.isPoweredOff { throw Fault.io.error("ftruncate", path: path) }
            state.truncations[path, default: 0] += 1
            if let durable = state.durableSizes[path], durable > size { state.durableSizes[path] = size }
        }
    }

    /// Records `count` bytes accepted by an underlying file.
    func recordWritten(_ count: Int) {
        state.withLock { $0.bytesWritten += count }
    }

    /// Counts a sync and returns the fault to throw instead of syncing, if any.
    func admitSync() -> Fault? {
        state.withLock { state in
            state.syncs += 1
            if state.isPoweredOff { return .io }
            guard state.failingSyncs > 0 else { return nil }
            state.failingSyncs -= 1
            return state.syncFault
        }
    }

    // MARK: LogFileSystem

    /// Opens the file on ``base`` and wraps it so its writes and syncs are subject to the faults.
    ///
    /// - Throws: what ``base`` throws.
    public func open(_ path: String, creating: Bool) throws(StorageError) -> any LogFile {
        let isNew = creating && !base.fileExists(path)
        if isNew { try admitChange("open", path: path) }
        let file = try base.open(path, creating: creating)
        if isNew {
            state.withLock { state in
                state.unsyncedEntries[path] = Self.parentDirectory(of: path)
                // A path removed and made again starts empty: nothing of the old file's is durable in it.
                state.durableSizes[path] = nil
            }
        }
        recordOpened(path, size: try file.size())
        return FaultInjectingLogFile(base: file, faults: self)
    }

    /// Passes through to ``base``.
    ///
    /// - Throws: what ``base`` throws.
    public func createDirectory(_ path: String) throws(StorageError) {
        try admitChange("mkdir", path: path)
        try base.createDirectory(path)
    }

    /// Passes through to ``base``.
    ///
    /// - Throws: what ``base`` throws.
    public func contentsOfDirectory(_ path: String) throws(StorageError) -> [String] {
        try base.contentsOfDirectory(path)
    }

    /// Passes through to ``base``; fails after a power loss.
    ///
    /// - Throws: what ``base`` throws.
    public func removeItem(_ path: String) throws(StorageError) {
        passStalls(path)
        try admitChange("unlink", path: path)
        try base.removeItem(path)
        state.withLock { state in
            state.durableSizes[path] = nil
            state.unsyncedEntries[path] = nil
        }
    }

    /// Passes through to ``base``; the file keeps what it made durable under its new name.
    ///
    /// - Throws: what ``base`` throws.
    public func rename(_ from: String, to: String) throws(StorageError) {
        passStalls(from)
        try admitChange("rename", path: from)
        try base.rename(from, to: to)
        state.withLock { state in
            state.durableSizes[to] = state.durableSizes.removeValue(forKey: from)
            if let directory = state.unsyncedEntries.removeValue(forKey: from) { state.unsyncedEntries[to] = directory }
        }
    }

    /// Passes through to ``base``.
    public func fileExists(_ path: String) -> Bool {
        base.fileExists(path)
    }

    /// Counts a sync, then fails it if a sync fault is pending, else passes through to ``base``.
    ///
    /// - Throws: the injected fault, or what ``base`` throws.
    public func syncDirectory(_ path: String) throws(StorageError) {
        if let fault = admitSync() { throw fault.error("fsync", path: path) }
        try base.syncDirectory(path)
        let completed = state.withLock { state -> Bool in
            guard !state.isPoweredOff else { return false }
            state.unsyncedEntries = state.unsyncedEntries.filter { $0.value != path }
            return true
        }
        if !completed { throw Fault.io.error("fsync", path: path) }
    }
}
