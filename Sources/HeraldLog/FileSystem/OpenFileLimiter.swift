import DequeModule
import Synchronization

/// Keeps at most a fixed number of files open, closing the least recently used when another is needed.
///
/// Files are opened again on demand, so closing one costs only a later `open`. A call that finds its
/// handle closed under it (``StorageError/isClosed``) is retried once with a fresh handle; syncing through
/// a fresh handle is still correct, as `fdatasync` applies to the file, not to the descriptor.
final class OpenFileLimiter: Sendable {
    private struct State {
        var open: [String: (file: any LogFile, lastUse: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    /// The most files open at once.
    let capacity: Int
    private let base: any LogFileSystem
    // Mutex: partitions' writers and readers on any thread share the handles.
    private let state = Mutex(State())

    init(capacity: Int, base: any LogFileSystem) {
        self.capacity = max(1, capacity)
        self.base = base
    }

    /// Files open right now.
    var openCount: Int { state.withLock { $0.open.count } }

    /// Runs `body` with an open handle of `path`, opening it (and closing the least recently used one) if
    /// needed; retries once if the handle was closed under it.
    func withFile<T>(_ path: String, _ body: (any LogFile) throws(StorageError) -> T) throws(StorageError) -> T {
        do {
            return try body(try handle(path))
        } catch  where error.isClosed {
            forget(path)
            return try body(try handle(path))
        }
    }

    /// Closes the handle of `path` if one is open.
    func forget(_ path: String) {
        let file = state.withLock { $0.open.removeValue(forKey: path)?.file }
        try? file?.close()
    }

    private func handle(_ path: String) throws(StorageError) -> any LogFile {
        let cached: (any LogFile)? = state.withLock { state in
            state.clock &+= 1
            guard let entry = state.open[path] else { return nil }
            state.open[path] = (entry.file, state.clock)
            return entry.file
        }
        if let cached { return cached }
        let file = try base.open(path, creating: false)
        let (winner, evicted) = state.withLock { state -> (any LogFile, [any LogFile]) in
            state.clock &+= 1
            if let raced = state.open[path] {
                return (raced.file, [file])
            }
            state.open[path] = (file, state.clock)
            var evicted: [any LogFile] = []
            while state.open.count > capacity, let oldest = state.open.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.open[oldest.key] = nil
                evicted.append(oldest.value.file)
            }
            return (file, evicted)
        }
        for file in evicted { try? file.close() }
        return winner
    }
}
