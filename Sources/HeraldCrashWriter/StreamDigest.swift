import Herald
import HeraldEventSourcing

/// The crash test's projection: per stream, how many events and an FNV-1a chain over their revisions
/// and ids in order. Two digests are equal only if they saw the same events in the same order.
struct StreamDigest: Projection, Codable, Equatable {
    static let name = "crash-digest"

    struct Entry: Codable, Equatable {
        var count: UInt64 = 0
        var chain: UInt64 = 0xcbf2_9ce4_8422_2325
    }

    var streams: [String: Entry] = [:]
    var lastPosition: UInt64?

    init() {}

    mutating func apply(_ recorded: RecordedEvent) throws {
        var entry = streams[recorded.stream] ?? Entry()
        for byte in "\(recorded.revision) \(recorded.event.id)\n".utf8 {
            entry.chain = (entry.chain ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        entry.count += 1
        streams[recorded.stream] = entry
        lastPosition = recorded.position
    }
}
