import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a log's data directory, so that two processes never open one log (two writers
/// would interleave appends and overwrite each other's checkpoints). It is a POSIX record lock on
/// `<directory>/herald.lock`, which holds the owner's pid for the error message: the kernel drops it when
/// the process ends however it ends (a `kill -9` included), so a crash never leaves the log locked. It is
/// per process: a second broker on the same directory in one process is not refused by it.
final class DataDirectoryLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32
    // Mutex: close() may run twice (run() then an explicit close); the descriptor is closed once only, as
    // a second close could close a descriptor the process has reused.
    private let isReleased = Mutex(false)

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock of `directory` (which must exist).
    ///
    /// - Throws: ``StorageError/inUse(directory:pid:)`` when another process holds it; a
    ///   ``StorageError`` when the lock file cannot be opened.
    static func acquire(_ directory: String) throws(StorageError) -> DataDirectoryLock {
        let path = directory + "/herald.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("open", path: path, errno: errno) }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0
        if fcntl(descriptor, F_SETLK, &request) != 0 {
            let failure = errno
            var holder = flock()
            holder.l_type = Int16(F_WRLCK)
            holder.l_whence = Int16(SEEK_SET)
            let pid: Int32? = fcntl(descriptor, F_GETLK, &holder) == 0 && holder.l_type != Int16(F_UNLCK) ? holder.l_pid : nil
            close(descriptor)
            if failure == EAGAIN || failure == EACCES { throw .inUse(directory: directory, pid: pid) }
            throw .system("fcntl(F_SETLK)", path: path, errno: failure)
        }
        // The owner's pid, for whoever finds the file; the lock, not the text, is what counts.
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return DataDirectoryLock(path: path, descriptor: descriptor)
    }

    /// Gives the lock up (closing the descriptor releases it); later calls do nothing.
    func release() {
        let first = isReleased.withLock { released in
            defer { released = true }
            return !released
        }
        if first { close(descriptor) }
    }
}
