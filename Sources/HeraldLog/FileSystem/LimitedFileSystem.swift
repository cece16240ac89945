import NIOCore

/// A file system whose files stay open only while an ``OpenFileLimiter`` allows: the cap on open files
/// the embedded log keeps however many segments it holds.
struct LimitedFileSystem: LogFileSystem {
    let base: any LogFileSystem
    let limiter: OpenFileLimiter

    init(wrapping base: any LogFileSystem, maximumOpenFiles: Int) {
        self.base = base
        self.limiter = OpenFileLimiter(capacity: maximumOpenFiles, base: base)
    }

    func open(_ path: String, creating: Bool) throws(StorageError) -> any LogFile {
        if creating, !base.fileExists(path) {
            try base.open(path, creating: true).close()
        } else if !base.fileExists(path) {
            throw .notFound(path: path, operation: "open")
        }
        return LimitedLogFile(path: path, limiter: limiter)
    }

    func createDirectory(_ path: String) throws(StorageError) { try base.createDirectory(path) }
    func contentsOfDirectory(_ path: String) throws(StorageError) -> [String] { try base.contentsOfDirectory(path) }
    func fileExists(_ path: String) -> Bool { base.fileExists(path) }
    func syncDirectory(_ path: String) throws(StorageError) { try base.syncDirectory(path) }

    func removeItem(_ path: String) throws(StorageError) {
        limiter.forget(path)
        try base.removeItem(path)
    }

    func rename(_ from: String, to: String) throws(StorageError) {
        limiter.forget(from)
        limiter.forget(to)
        try base.rename(from, to: to)
    }
}

/// A file reached through an ``OpenFileLimiter``: it may be closed and opened again between calls.
final class LimitedLogFile: LogFile {
    let path: String
    private let limiter: OpenFileLimiter

    init(path: String, limiter: OpenFileLimiter) {
        self.path = path
        self.limiter = limiter
    }

    func size() throws(StorageError) -> Int64 { try limiter.withFile(path) { file throws(StorageError) in try file.size() } }

    func write(_ bytes: ByteBuffer, at offset: Int64) throws(StorageError) {
        try limiter.withFile(path) { file throws(StorageError) in try file.write(bytes, at: offset) }
    }

    func read(count: Int, at offset: Int64) throws(StorageError) -> ByteBuffer {
        try limiter.withFile(path) { file throws(StorageError) in try file.read(count: count, at: offset) }
    }

    func sync() throws(StorageError) { try limiter.withFile(path) { file throws(StorageError) in try file.sync() } }

    func truncate(to size: Int64) throws(StorageError) {
        try limiter.withFile(path) { file throws(StorageError) in try file.truncate(to: size) }
    }

    func close() throws(StorageError) { limiter.forget(path) }
}
