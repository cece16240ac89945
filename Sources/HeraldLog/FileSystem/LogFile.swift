import NIOCore

/// A handle to one open file of the log.
///
/// Safe to call from any thread, with these rules:
/// - reads may run concurrently with each other, and with writes to higher offsets (a reader never
///   looks past what has been acknowledged as written);
/// - writes, ``truncate(to:)`` and ``sync()`` are serialised by the caller: one writer at a time;
/// - after ``close()`` every call throws ``StorageError/closed(path:)``.
///
/// Nothing is durable until ``sync()`` returns; a new file's name is durable only once its
/// directory is synced too (``LogFileSystem/syncDirectory(_:)``).
public protocol LogFile: Sendable {
    /// The path the file was opened with.
    var path: String { get }

    /// The file's size in bytes.
    ///
    /// - Throws: ``StorageError`` if the size cannot be read or the handle is closed.
    func size() throws(StorageError) -> Int64

    /// Writes all readable bytes of `bytes` at byte `offset`, extending the file if needed.
    /// The buffer's reader index is not moved.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNoSpace`` when the device is full. After a
    ///   failure any prefix of the bytes may have been written.
    func write(_ bytes: ByteBuffer, at offset: Int64) throws(StorageError)

    /// Reads `count` bytes at byte `offset`; fewer only when the file ends first (none at or past
    /// the end).
    ///
    /// - Throws: ``StorageError`` if the read fails or the handle is closed.
    func read(count: Int, at offset: Int64) throws(StorageError) -> ByteBuffer

    /// Makes the data written so far durable (`fdatasync`).
    ///
    /// - Throws: ``StorageError``. After a failed sync the data written since the last successful
    ///   one must be treated as lost (the system may have dropped it): write it again.
    func sync() throws(StorageError)

    /// Cuts the file to `size` bytes (or extends it with zeros).
    ///
    /// - Throws: ``StorageError`` if the file cannot be resized or the handle is closed.
    func truncate(to size: Int64) throws(StorageError)

    /// Releases the handle. Does not sync.
    ///
    /// - Throws: ``StorageError``; ``StorageError/closed(path:)`` if already closed.
    func close() throws(StorageError)
}
