#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FaultInjectingFileSystem {
    /// The error an injected fault throws.
    public enum Fault: Sendable, Hashable {
        /// The device is full: ``StorageError/noSpace(_:path:errno:)`` (`ENOSPC`).
        case noSpace
        /// An I/O error: ``StorageError/io(_:path:errno:)`` with `EIO`.
        case io
        /// The error a system call failing with `errno` would give (``StorageError/system(_:path:errno:)``).
        case system(errno: Int32)

        /// The error for `operation` on `path`.
        func error(_ operation: String, path: String) -> StorageError {
            let operation = "\(operation) (injected fault)"
            return switch self {
            case .noSpace: .noSpace(operation, path: path)
            case .io: .io(operation, path: path, errno: EIO)
            case .system(let errno): .system(operation, path: path, errno: errno)
            }
        }
    }
}
