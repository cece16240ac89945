import Herald
import NIOCore

/// The records of one batch to append: encoded values, or events that are encoded straight into the
/// batch's bytes (no buffer of their own per event).
enum BatchRecords: Sendable {
    /// Values already encoded, each with its partition key.
    case values([(key: String?, value: ByteBuffer)])
    /// Events, stored in the binary envelope under their partition key.
    case events([Event])

    /// How many records.
    var count: Int {
        switch self {
        case .values(let values): values.count
        case .events(let events): events.count
        }
    }

    /// Whether there are none.
    var isEmpty: Bool { count == 0 }

    /// The events, when the records are events (else empty).
    var events: [Event] {
        if case .events(let events) = self { return events }
        return []
    }

    /// About the bytes the records take (payloads), for bounding a group commit.
    var approximateBytes: Int {
        switch self {
        case .values(let values): values.reduce(0) { $0 + $1.value.readableBytes }
        case .events(let events): events.reduce(0) { $0 + $1.payloadSize + 64 }
        }
    }
}
