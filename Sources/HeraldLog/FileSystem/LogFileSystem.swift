import NIOCore

/// The file-system operations the log needs, so tests can substitute a fault-injecting one.
///
/// Implementations are safe to call from any thread. Paths are plain strings; directory contents
/// are names, not paths.
public protocol LogFileSystem: Sendable {
    /// Opens the file at `path` for reading and writing, creating it (empty) when `creating` is
    /// true and it does not exist.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when it is missing and `creating`
    ///   is false.
    func open(_ path: String, creating: Bool) throws(StorageError) -> any LogFile

    /// Creates the directory at `path` and any missing parents; does nothing if it exists.
    ///
    /// - Throws: ``StorageError`` if a directory cannot be created or a file is in the way.
    func createDirectory(_ path: String) throws(StorageError)

    /// The names of the entries in the directory at `path` (without `.` and `..`), sorted.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when the directory is missing.
    func contentsOfDirectory(_ path: String) throws(StorageError) -> [String]

    /// Removes the file at `path`, or the directory and everything in it.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when nothing is there.
    func removeItem(_ path: String) throws(StorageError)

    /// Atomically renames `from` to `to` (`rename(2)`), replacing any file at `to`. Durable once
    /// the directory is synced.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNotFound`` when `from` is missing.
    func rename(_ from: String, to: String) throws(StorageError)

    /// Whether a file or directory exists at `path`.
    func fileExists(_ path: String) -> Bool

    /// Makes the entries of the directory at `path` durable: files created, renamed or removed in it.
    ///
    /// - Throws: ``StorageError`` if the directory cannot be opened or synced.
    func syncDirectory(_ path: String) throws(StorageError)

    /// Replaces the file at `path` with `bytes` so that a crash leaves either the old or the new
    /// content, never a mix. The default writes `path.tmp`, syncs it, renames it over `path` and
    /// syncs the directory.
    ///
    /// - Throws: ``StorageError``; on failure the old content is intact.
    func writeAtomically(_ bytes: ByteBuffer, to path: String) throws(StorageError)
}

extension LogFileSystem {
    /// Writes `path.tmp`, syncs it, renames it over `path` and syncs the directory, so a crash
    /// leaves either the old or the new content. Removes the temporary file if a step before the
    /// rename fails.
    ///
    /// - Throws: ``StorageError``; on failure the old content is intact.
    public func writeAtomically(_ bytes: ByteBuffer, to path: String) throws(StorageError) {
        let temporary = path + ".tmp"
        let file = try open(temporary, creating: true)
        do throws(StorageError) {
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
            try file.close()
        } catch {
            try? file.close()
            try? removeItem(temporary)
            throw error
        }
        try rename(temporary, to: path)
        try syncDirectory(Self.parentDirectory(of: path))
    }

    /// The directory holding `path`: `.` for a bare name, `/` for an entry of the root.
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = path[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }
}
