#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls the POSIX file layer makes, retrying `EINTR` and turning failures into
/// ``StorageError``. Named so they do not collide with the members of the types that use them
/// (`close()`, `open(_:creating:)`, `rename(_:to:)`).
enum Syscall {
    /// Calls `call` until it does not fail with `EINTR`; throws the error for any other failure.
    static func retrying<Result: FixedWidthInteger>(
        _ operation: String,
        path: String,
        _ call: () -> Result
    ) throws(StorageError) -> Result {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw .system(operation, path: path, errno: code) }
        }
    }

    /// Opens `path`, with `O_CLOEXEC` added to `flags`.
    static func openFile(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(StorageError) -> Int32 {
        try retrying("open", path: path) { open(path, flags | O_CLOEXEC, mode) }
    }

    /// Closes `descriptor`. `EINTR` is not retried: the descriptor is released either way, and it
    /// may already have been reused.
    static func closeFile(_ descriptor: Int32, path: String) throws(StorageError) {
        if close(descriptor) != 0 {
            let code = errno
            if code != EINTR { throw .system("close", path: path, errno: code) }
        }
    }

    /// Makes the data of `descriptor` durable: `fdatasync` on Linux; `F_FULLFSYNC` (falling back
    /// to `fsync` where the file system lacks it) on Darwin, whose `fsync` leaves data in the
    /// drive's cache.
    static func syncData(_ descriptor: Int32, path: String) throws(StorageError) {
        #if canImport(Darwin)
        if fcntl(descriptor, F_FULLFSYNC) == 0 { return }
        _ = try retrying("fsync", path: path) { fsync(descriptor) }
        #else
        _ = try retrying("fdatasync", path: path) { fdatasync(descriptor) }
        #endif
    }

    /// Makes the data and metadata of `descriptor` durable, as a directory needs.
    static func syncAll(_ descriptor: Int32, path: String) throws(StorageError) {
        #if canImport(Darwin)
        if fcntl(descriptor, F_FULLFSYNC) == 0 { return }
        #endif
        _ = try retrying("fsync", path: path) { fsync(descriptor) }
    }

    /// `rename(2)`.
    static func renameItem(_ from: String, to: String) throws(StorageError) {
        _ = try retrying("rename to '\(to)'", path: from) { rename(from, to) }
    }

    /// The `lstat` of `path` (a symbolic link is described, not followed).
    static func linkStatus(_ path: String) throws(StorageError) -> stat {
        var info = stat()
        _ = try retrying("lstat", path: path) { lstat(path, &info) }
        return info
    }

    /// Whether `info` describes a directory.
    static func isDirectory(_ info: stat) -> Bool {
        info.st_mode & S_IFMT == S_IFDIR
    }
}
