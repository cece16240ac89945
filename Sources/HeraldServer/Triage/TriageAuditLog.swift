import Foundation
import Herald
import NIOCore
import NIOFoundationCompat

/// The append-only audit log of dead-letter triage, kept in the broker itself as the topic `herald.audit`
/// (one partition, never trimmed: it refuses publishes when full rather than drop an entry), so that it
/// lives as long as the dead letters it describes, on every backend.
struct TriageAuditLog: Sendable {
    /// The audit log's topic.
    static let topic = "herald.audit"
    /// The event type of an entry.
    static let eventType = "herald.audit.triage.v1"

    let broker: any BrokerAdmin

    /// Makes sure the topic exists.
    func prepare() async throws {
        try await broker.createTopic(
            TopicConfiguration(name: Self.topic, partitions: 1, maximumEvents: Int(Int32.max), maximumBytes: 1 << 40, overflowPolicy: .rejectPublish))
    }

    /// Appends `entry`.
    func append(_ entry: TriageAuditEntry) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encodeAsByteBuffer(entry, allocator: ByteBufferAllocator())
        let event = try Event(
            id: UUID().uuidString, source: "/herald/server", type: Self.eventType, subject: entry.deadLetterTopic,
            dataContentType: "application/json", data: data)
        _ = try await broker.publish(event, to: Self.topic)
    }

    /// Every entry, oldest first, from `offset` on, at most `limit`.
    func entries(from offset: Offset = 0, limit: Int) async throws -> [(offset: Offset, entry: TriageAuditEntry)] {
        var result: [(offset: Offset, entry: TriageAuditEntry)] = []
        var next = offset
        while result.count < limit {
            let stored = try await broker.read(topic: Self.topic, partition: 0, from: next, limit: min(1_000, limit - result.count))
            guard let last = stored.last else { break }
            for item in stored where item.event.type == Self.eventType {
                guard let data = item.event.data, let entry = try? JSONDecoder().decode(TriageAuditEntry.self, from: data) else { continue }
                result.append((item.offset, entry))
            }
            next = last.offset.next
        }
        return result
    }
}
