import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// What a publish acknowledges, a reader can read: the size limits are shared by both (issue 10, defect 3).
@Suite("Embedded log: size limits")
struct LogBrokerSizeLimitTests {
    private func event(_ index: Int, id: String? = nil, bytes: Int) throws -> Event {
        try Event(
            id: id ?? "evt-\(index)", source: "/limits", type: "limits.test.v1", subject: "one-key",
            data: ByteBuffer(repeating: UInt8(truncatingIfNeeded: index), count: bytes)
        )
    }

    @Test("70 events of 1 MiB under one key in one publish are stored in batches a reader accepts, and survive a reopen")
    func largePublishSplits() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogBrokerConfiguration(dataDirectory: directory)
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", maximumBytes: 1 << 30, maximumEventBytes: 2 * 1024 * 1024))
            let events = try (0..<70).map { try event($0, bytes: 1024 * 1024) }
            let receipts = try await broker.publish(events, to: "orders")
            #expect(receipts.map(\.offset.value) == Array(0..<70))
            #expect(try await broker.read(topic: "orders", partition: 0, from: 0, limit: 100).count == 70)
            try await broker.close()

            let reopened = try await LogBroker.open(configuration)
            #expect(reopened.recoveryReport().truncations.isEmpty, "nothing acknowledged is cut")
            var stored: [StoredEvent] = []
            while stored.count < 70 {
                let next = try await reopened.read(topic: "orders", partition: 0, from: Offset(Int64(stored.count)), limit: 100)
                guard !next.isEmpty else { break }
                stored += next
            }
            #expect(stored.map(\.event.id) == events.map(\.id))
            #expect(stored.allSatisfy { $0.event.data?.readableBytes == 1024 * 1024 })
            // The de-duplication window was rebuilt from them: the same ids are duplicates.
            #expect(try await reopened.publish(events[0], to: "orders").isDuplicate)
            try await reopened.close()
        }
    }

    @Test("an event's size counts every attribute, not only its data: an event with a 1 MiB id is refused")
    func attributesCount() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            let huge = try event(0, id: String(repeating: "i", count: 1024 * 1024), bytes: 10)
            do {
                _ = try await broker.publish(huge, to: "orders")
                Issue.record("an event with a 1 MiB id was acknowledged under a 1 MiB event limit")
            } catch let error as BrokerError {
                #expect(error.isEventTooLarge)
                #expect(error.message.contains("\(1024 * 1024)"), "the error names the limit: \(error.message)")
            }
            #expect(try await broker.read(topic: "orders", partition: 0, from: 0, limit: 10).isEmpty, "nothing was stored")
            try await broker.close()
        }
    }

    @Test("a topic cannot allow events larger than the format stores, so a 100 MiB event is never acknowledged")
    func limitWithinFormat() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            await #expect(throws: BrokerError.self) {
                try await broker.createTopic(TopicConfiguration(name: "huge", maximumBytes: 1 << 30, maximumEventBytes: 200 * 1024 * 1024))
            }
            try await broker.createTopic(TopicConfiguration(name: "big", maximumBytes: 1 << 30, maximumEventBytes: LogBroker.maximumEventBytes))
            do {
                _ = try await broker.publish(try event(0, bytes: LogBroker.maximumEventBytes + 1), to: "big")
                Issue.record("an event above LogBroker.maximumEventBytes was acknowledged")
            } catch let error as BrokerError {
                #expect(error.isEventTooLarge)
            }
            try await broker.close()
        }
    }
}
