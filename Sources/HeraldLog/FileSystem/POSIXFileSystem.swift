#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ``LogFileSystem`` of the real disk, through POSIX system calls. Files are opened
/// read-write with `O_CLOEXEC` and created with mode `0o644`; directories with `0o755`.
public struct POSIXFileSystem: LogFileSystem {
    /// Creates the file system; it holds no state.
    public init() {}

    /// Opens `path` read-write (`O_CREAT` too when `creating`).
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when it is missing and `creating`
    ///   is false.
    public func open(_ path: String, creating: Bool) throws(StorageError) -> any LogFile {
        let descriptor = try Syscall.openFile(path, flags: O_RDWR | (creating ? O_CREAT : 0))
        return POSIXLogFile(path: path, descriptor: descriptor)
    }

    /// Creates `path` and any missing parents (`mkdir`); does nothing if it is a directory already.
    ///
    /// - Throws: ``StorageError`` if `mkdir` fails or a file is in the way.
    public func createDirectory(_ path: String) throws(StorageError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            prefix += component
            if mkdir(prefix, 0o755) == 0 { continue }
            let code = errno
            if code == EEXIST {
                if isDirectory(prefix) { continue }
                throw .io("mkdir", path: prefix, errno: ENOTDIR)
            }
            throw .system("mkdir", path: prefix, errno: code)
        }
    }

    /// The names in the directory at `path`, without `.` and `..`, sorted.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when the directory is missing.
    public func contentsOfDirectory(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else {
            throw .system("opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                let code = errno
                if code != 0 { throw .system("readdir", path: path, errno: code) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes the file at `path` (`unlink`), or the directory and everything in it (`rmdir`
    /// after its entries). Symbolic links are removed, not followed.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when nothing is there.
    public func removeItem(_ path: String) throws(StorageError) {
        let info = try Syscall.linkStatus(path)
        if Syscall.isDirectory(info) {
            for name in try contentsOfDirectory(path) {
                do throws(StorageError) {
                    try removeItem(path + "/" + name)
                } catch  where error.isNotFound {
                    continue  // removed by someone else meanwhile
                }
            }
            _ = try Syscall.retrying("rmdir", path: path) { rmdir(path) }
        } else {
            _ = try Syscall.retrying("unlink", path: path) { unlink(path) }
        }
    }

    /// Renames `from` to `to` with `rename(2)`: atomic, replacing any file at `to`.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when `from` is missing.
    public func rename(_ from: String, to: String) throws(StorageError) {
        try Syscall.renameItem(from, to: to)
    }

    /// Whether a file or directory exists at `path` (a symbolic link counts, even a broken one).
    public func fileExists(_ path: String) -> Bool {
        (try? Syscall.linkStatus(path)) != nil
    }

    /// Opens the directory read-only and `fsync`s it (`F_FULLFSYNC` on Darwin), making entries
    /// created, renamed or removed in it durable.
    ///
    /// - Throws: ``StorageError`` if the directory cannot be opened or synced.
    public func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = try Syscall.openFile(path, flags: O_RDONLY | O_DIRECTORY)
        do throws(StorageError) {
            try Syscall.syncAll(descriptor, path: path)
        } catch {
            try? Syscall.closeFile(descriptor, path: path)
            throw error
        }
        try Syscall.closeFile(descriptor, path: path)
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Syscall.isDirectory(info)
    }
}
