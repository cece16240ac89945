import Dispatch
import HeraldLog
import NIOCore
import Synchronization
import Testing

/// The power-loss model under overlapping syncs of one file (a journal checkpoint's sync of a segment
/// running while the segment's roll syncs it too): the sync that started first and ended last once
/// recorded its older, smaller size, so a power loss then tore bytes a completed sync had made durable.
@Suite("Fault injection: overlapping syncs")
struct FaultInjectingSyncOverlapTests {
    @Test("a sync that started earlier and ends later never makes less durable")
    func overlappingSyncs() async throws {
        try await withTemporaryDirectory { directory in
            let slow = FirstSyncWaits()
            let faults = FaultInjectingFileSystem(wrapping: slow)
            let path = directory + "/segment"
            let file = try faults.open(path, creating: true)
            defer { try? file.close() }
            try file.write(ByteBuffer(string: "012345"), at: 0)

            // The first sync reads 6 bytes, then waits in the disk.
            let early = Task { try await onBlockingThread { try file.sync() } }
            await slow.firstSyncStarted()
            try file.write(ByteBuffer(string: "6789"), at: 6)
            try file.sync()
            slow.releaseFirstSync()
            try await early.value

            try faults.simulatePowerLoss()
            faults.heal()
            #expect(try file.size() == 10, "the second sync made all 10 bytes durable")
        }
    }

    @Test("a path removed and made again starts with nothing durable")
    func recreatedPath() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let path = directory + "/journal"
            let first = try faults.open(path, creating: true)
            try first.write(ByteBuffer(string: "synced once"), at: 0)
            try first.sync()
            try first.close()
            try faults.removeItem(path)

            let second = try faults.open(path, creating: true)
            defer { try? second.close() }
            try second.write(ByteBuffer(string: "never synced"), at: 0)
            try faults.syncDirectory(directory)
            try faults.simulatePowerLoss()
            faults.heal()
            #expect(try second.size() == 0, "the new file's bytes were never synced")
        }
    }
}

/// The real disk, except that the first file sync waits until the test releases it.
private final class FirstSyncWaits: LogFileSystem {
    private let base = POSIXFileSystem()
    private let started = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)
    // Mutex: the syncing threads check and set it.
    private let isFirst = Mutex(true)

    func open(_ path: String, creating: Bool) throws(StorageError) -> any LogFile {
        SlowSyncFile(base: try base.open(path, creating: creating), owner: self)
    }
    func createDirectory(_ path: String) throws(StorageError) { try base.createDirectory(path) }
    func contentsOfDirectory(_ path: String) throws(StorageError) -> [String] { try base.contentsOfDirectory(path) }
    func removeItem(_ path: String) throws(StorageError) { try base.removeItem(path) }
    func rename(_ from: String, to: String) throws(StorageError) { try base.rename(from, to: to) }
    func fileExists(_ path: String) -> Bool { base.fileExists(path) }
    func syncDirectory(_ path: String) throws(StorageError) { try base.syncDirectory(path) }

    /// Called by a file's sync before it syncs: the first one signals and waits.
    fileprivate func willSync() {
        let first = isFirst.withLock { isFirst in
            defer { isFirst = false }
            return isFirst
        }
        guard first else { return }
        started.signal()
        release.wait()
    }

    /// Returns once the first sync waits in the disk.
    func firstSyncStarted() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.started.wait()
                continuation.resume()
            }
        }
    }

    /// Lets the first sync finish.
    func releaseFirstSync() {
        release.signal()
    }
}

private struct SlowSyncFile: LogFile {
    let base: any LogFile
    let owner: FirstSyncWaits

    var path: String { base.path }
    func size() throws(StorageError) -> Int64 { try base.size() }
    func write(_ bytes: ByteBuffer, at offset: Int64) throws(StorageError) { try base.write(bytes, at: offset) }
    func read(count: Int, at offset: Int64) throws(StorageError) -> ByteBuffer { try base.read(count: count, at: offset) }
    func sync() throws(StorageError) {
        owner.willSync()
        try base.sync()
    }
    func truncate(to size: Int64) throws(StorageError) { try base.truncate(to: size) }
    func close() throws(StorageError) { try base.close() }
}
