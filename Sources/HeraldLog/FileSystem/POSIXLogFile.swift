import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``LogFile`` backed by a POSIX file descriptor: `pread`/`pwrite` at explicit offsets,
/// `fdatasync` (`F_FULLFSYNC` on Darwin) for ``sync()``. Obtained from ``POSIXFileSystem``.
///
/// Sendable, checked by the compiler and safe by design: the descriptor is immutable after init;
/// `pread` and `pwrite` take explicit offsets and share no file position, so concurrent calls are
/// safe; and every call leases the descriptor through an atomic counter, so ``close()`` never
/// releases it while a call uses it. Calls after ``close()`` throw ``StorageError/closed(path:)``
/// rather than touching a descriptor number the process may have reused for another file.
public final class POSIXLogFile: LogFile {
    /// The path the file was opened with.
    public let path: String
    private let descriptor: Int32
    /// Bit 0: closed. The rest: twice the number of calls using the descriptor right now.
    private let state = Atomic<Int>(0)

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        // No call can be in flight (each holds a reference), so only an unclosed handle is left.
        if state.load(ordering: .acquiring) & 1 == 0 {
            try? Syscall.closeFile(descriptor, path: path)
        }
    }

    /// The file's size in bytes (`fstat`).
    ///
    /// - Throws: ``StorageError`` if `fstat` fails or the handle is closed.
    public func size() throws(StorageError) -> Int64 {
        try withDescriptor { descriptor throws(StorageError) in
            var info = stat()
            _ = try Syscall.retrying("fstat", path: path) { fstat(descriptor, &info) }
            return Int64(info.st_size)
        }
    }

    /// Writes all readable bytes of `bytes` at `offset` with `pwrite`, looping over short writes
    /// and retrying `EINTR`.
    ///
    /// - Throws: ``StorageError``; ``StorageError/isNoSpace`` when the device is full, in which
    ///   case a prefix of the bytes may be on disk.
    public func write(_ bytes: ByteBuffer, at offset: Int64) throws(StorageError) {
        try withDescriptor { descriptor throws(StorageError) in
            let failure: StorageError? = bytes.withUnsafeReadableBytes { raw in
                guard let base = raw.baseAddress else { return nil }
                var written = 0
                while written < raw.count {
                    let result = pwrite(descriptor, base + written, raw.count - written, off_t(offset) + off_t(written))
                    if result > 0 {
                        written += result
                    } else if result == 0 {
                        // pwrite of a non-empty range never writes nothing on a regular file;
                        // report it rather than spin.
                        return .io("pwrite", path: path, errno: EIO)
                    } else {
                        let code = errno
                        if code != EINTR { return .system("pwrite", path: path, errno: code) }
                    }
                }
                return nil
            }
            if let failure { throw failure }
        }
    }

    /// Reads `count` bytes at `offset` with `pread`, looping over short reads; fewer bytes only
    /// when the file ends first.
    ///
    /// - Precondition: `count` is not negative.
    /// - Throws: ``StorageError`` if `pread` fails or the handle is closed.
    public func read(count: Int, at offset: Int64) throws(StorageError) -> ByteBuffer {
        precondition(count >= 0, "cannot read a negative number of bytes (\(count)) from '\(path)'")
        return try withDescriptor { descriptor throws(StorageError) in
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            guard count > 0 else { return buffer }
            var failure: StorageError?
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                guard let base = raw.baseAddress else { return 0 }
                var filled = 0
                while filled < count {
                    let result = pread(descriptor, base + filled, count - filled, off_t(offset) + off_t(filled))
                    if result > 0 {
                        filled += result
                    } else if result == 0 {
                        break  // end of file
                    } else {
                        let code = errno
                        if code != EINTR {
                            failure = .system("pread", path: path, errno: code)
                            break
                        }
                    }
                }
                return filled
            }
            if let failure { throw failure }
            return buffer
        }
    }

    /// Makes the data written so far durable: `fdatasync` on Linux, `F_FULLFSYNC` on Darwin.
    ///
    /// - Throws: ``StorageError``. After a failure, treat data written since the last successful
    ///   sync as lost and write it again: the kernel may have dropped it and a second sync can
    ///   succeed without it.
    public func sync() throws(StorageError) {
        try withDescriptor { descriptor throws(StorageError) in
            try Syscall.syncData(descriptor, path: path)
        }
    }

    /// Cuts the file to `size` bytes, or extends it with zeros (`ftruncate`).
    ///
    /// - Throws: ``StorageError`` if `ftruncate` fails or the handle is closed.
    public func truncate(to size: Int64) throws(StorageError) {
        try withDescriptor { descriptor throws(StorageError) in
            _ = try Syscall.retrying("ftruncate", path: path) { ftruncate(descriptor, off_t(size)) }
        }
    }

    /// Releases the descriptor; at once, or when the last call still using it returns (then an
    /// error from `close(2)` cannot be reported). Does not sync.
    ///
    /// - Throws: ``StorageError/closed(path:)`` if already closed, or the error of `close(2)`.
    public func close() throws(StorageError) {
        let previous = state.bitwiseOr(1, ordering: .acquiringAndReleasing).oldValue
        if previous & 1 != 0 { throw .closed(path: path) }
        if previous == 0 {
            try Syscall.closeFile(descriptor, path: path)
        }
    }

    /// Runs `body` with the descriptor, which stays open until `body` returns.
    private func withDescriptor<Result>(
        _ body: (Int32) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        var current = state.load(ordering: .relaxed)
        while true {
            if current & 1 != 0 { throw .closed(path: path) }
            let (exchanged, original) = state.compareExchange(
                expected: current,
                desired: current + 2,
                ordering: .acquiringAndReleasing
            )
            if exchanged { break }
            current = original
        }
        defer {
            // The last call to return after close() releases the descriptor.
            if state.wrappingSubtract(2, ordering: .acquiringAndReleasing).newValue == 1 {
                try? Syscall.closeFile(descriptor, path: path)
            }
        }
        return try body(descriptor)
    }
}
