import Herald
import NIOCore

/// One record of a partition: an event's bytes at an offset.
struct LogRecord: Sendable {
    /// Its offset in the partition.
    var offset: Offset
    /// Broker ingest time, milliseconds since 1970.
    var timestamp: Int64
    /// The partition key, if the event had one.
    var key: String?
    /// The event in the binary envelope.
    var value: ByteBuffer
}
