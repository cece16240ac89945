import Herald
import Logging
import NIOCore
import NIOPosix

/// A minimal single-partition log for crash testing the storage engine from a separate process: the same
/// store, writer and durability policy the broker uses, without the broker around them.
public enum CrashTestLog {
    /// An appender to the partition in `directory`, with fsync before acknowledging.
    public struct Writer: Sendable {
        let writer: PartitionWriter

        /// Appends one record and returns its offset once it is durable.
        ///
        /// - Throws: ``StorageError`` when the write or sync fails.
        public func append(key: String, value: String) async throws -> Offset {
            try await writer.append([(key, ByteBuffer(string: value))], timestamp: 0)
        }
    }

    /// Opens (recovering) the partition in `directory` for appending.
    ///
    /// - Throws: ``StorageError`` when it cannot be opened.
    public static func openWriter(directory: String, threadPool: NIOThreadPool) throws -> Writer {
        let store = try PartitionStore.open(
            directory: directory,
            partition: 0,
            fileSystem: POSIXFileSystem(),
            options: PartitionStore.Options(segmentBytes: 256 * 1024),
            logger: Logger(label: "crash-writer", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return Writer(writer: PartitionWriter(partition: LockedPartition(store), policy: .fsyncBeforeAcknowledge, threadPool: threadPool))
    }

    /// Every record of the partition in `directory` as (offset, key, value), after recovery; and what
    /// recovery cut.
    ///
    /// - Throws: ``StorageError`` when the log cannot be opened or read.
    public static func readAll(directory: String) throws -> (records: [(offset: Offset, key: String?, value: String)], truncation: TailTruncation?) {
        let store = try PartitionStore.open(
            directory: directory,
            partition: 0,
            fileSystem: POSIXFileSystem(),
            options: PartitionStore.Options(segmentBytes: 256 * 1024),
            logger: Logger(label: "crash-reader", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        defer { try? store.close() }
        var records: [(offset: Offset, key: String?, value: String)] = []
        var next = store.startOffset
        while next < store.endOffset {
            let batch = try store.read(from: next)
            guard let last = batch.last else { break }
            records += batch.map { ($0.offset, $0.key, String(buffer: $0.value)) }
            next = last.offset.next
        }
        return (records, store.recoveredTruncation)
    }
}
