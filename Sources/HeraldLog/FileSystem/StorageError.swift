import Herald

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation of the log failed. The message names the path, what failed and what to do;
/// ``isRetryable`` says whether the same operation may succeed later.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case io
        case noSpace
        case corruption
        case closed
        case notFound
        case inUse
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The file or directory concerned.
    public let path: String
    /// The system call or step that failed (`pwrite`, `fdatasync`, `rename`, ...), when there is one.
    public let operation: String?
    /// The `errno` the system reported, when it reported one.
    public let errno: Int32?
    /// For corruption, the byte position in the file where the damage was found.
    public let position: Int64?
    /// For damage inside a partition's segments, the offsets that cannot be read.
    public let damagedOffsets: Range<Offset>?

    private init(
        _ code: Code,
        _ message: String,
        path: String,
        operation: String? = nil,
        errno: Int32? = nil,
        position: Int64? = nil,
        damagedOffsets: Range<Offset>? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.operation = operation
        self.errno = errno
        self.position = position
        self.damagedOffsets = damagedOffsets
    }

    /// A system call failed with `errno` for a reason other than a full device or a missing file.
    public static func io(_ operation: String, path: String, errno: Int32) -> Self {
        let retry = isTransient(errno) ? "; this is transient, retry" : "; check the path, its permissions and the device"
        return Self(
            .io,
            "\(operation) on '\(path)' failed: \(describe(errno))\(retry)",
            path: path,
            operation: operation,
            errno: errno
        )
    }

    /// The device holding `path` is full (`ENOSPC`, or `EDQUOT` for a full quota).
    ///
    /// Retryable once space is freed. After a failed write or sync, data written since the last
    /// successful sync must be treated as lost: write it again, do not only sync again.
    public static func noSpace(_ operation: String, path: String, errno: Int32 = ENOSPC) -> Self {
        Self(
            .noSpace,
            "\(operation) on '\(path)' failed: \(describe(errno)); "
                + "nothing written since the last successful sync is durable. Free space or delete old segments, then retry",
            path: path,
            operation: operation,
            errno: errno
        )
    }

    /// The contents of `path` at byte `position` are not what was written.
    public static func corruption(path: String, position: Int64, reason: String) -> Self {
        Self(
            .corruption,
            "'\(path)' is corrupt at byte \(position): \(reason); truncate the file there or restore it from a replica",
            path: path,
            position: position
        )
    }

    /// The offsets of a damaged range of a partition cannot be read (see ``SegmentCorruption``).
    public static func damaged(_ damage: SegmentCorruption) -> Self {
        Self(
            .corruption,
            "offsets \(damage.offset.value)..<\(damage.endOffset.value) cannot be read: '\(damage.path)' is damaged at bytes "
                + "\(damage.position)..<\(damage.endPosition) (\(damage.reason)); the offsets before and after are served. "
                + "Restore the file from a replica, or skip the range by seeking the consumer group to offset \(damage.endOffset.value)",
            path: damage.path,
            position: damage.position,
            damagedOffsets: damage.offsets
        )
    }

    /// The file handle for `path` was used after it was closed.
    public static func closed(path: String) -> Self {
        Self(.closed, "the file '\(path)' is closed; open it again to use it", path: path)
    }

    /// No file or directory exists at `path`.
    public static func notFound(path: String, operation: String? = nil) -> Self {
        let during = operation.map { " (\($0))" } ?? ""
        return Self(
            .notFound,
            "no such file or directory: '\(path)'\(during); create it first or check the path",
            path: path,
            operation: operation,
            errno: ENOENT
        )
    }

    /// Another process has the log in `directory` open (its pid, when the system says).
    public static func inUse(directory: String, pid: Int32?) -> Self {
        let holder = pid.map { "process \($0)" } ?? "another process"
        return Self(
            .inUse,
            "the log in '\(directory)' is open in \(holder); two processes must never write one log. Stop that process first, or reach its broker through it (herald serve: the HTTP API)",
            path: directory, operation: "lock")
    }

    /// Whether the error says another process has the log open.
    public var isInUse: Bool { code == .inUse }

    /// The error for a system call that failed with `errno`: ``noSpace(_:path:errno:)`` for
    /// `ENOSPC` and `EDQUOT`, ``notFound(path:operation:)`` for `ENOENT`, else ``io(_:path:errno:)``.
    public static func system(_ operation: String, path: String, errno: Int32) -> Self {
        switch errno {
        case ENOSPC, EDQUOT: noSpace(operation, path: path, errno: errno)
        case ENOENT: notFound(path: path, operation: operation)
        default: io(operation, path: path, errno: errno)
        }
    }

    /// Whether the same operation may succeed later: true for a full device and for transient
    /// system errors (`EAGAIN`, `EINTR`, `EBUSY`, `ENOMEM`, `ENOBUFS`).
    public var isRetryable: Bool {
        switch code {
        case .noSpace: true
        case .io: errno.map(Self.isTransient) ?? false
        case .corruption, .closed, .notFound, .inUse: false
        }
    }

    /// Whether the error says the device is full.
    public var isNoSpace: Bool { code == .noSpace }
    /// Whether the error says the data on disk is damaged.
    public var isCorruption: Bool { code == .corruption }
    /// Whether the error says the handle was used after it was closed.
    public var isClosed: Bool { code == .closed }
    /// Whether the error says the path does not exist.
    public var isNotFound: Bool { code == .notFound }
    /// Whether the error is another failed system call.
    public var isIO: Bool { code == .io }

    public var description: String { "StorageError: \(message)" }

    private static func isTransient(_ errno: Int32) -> Bool {
        errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == EBUSY
            || errno == ENOMEM || errno == ENOBUFS
    }

    private static func describe(_ errno: Int32) -> String {
        "\(String(cString: strerror(errno))) (errno \(errno))"
    }
}
