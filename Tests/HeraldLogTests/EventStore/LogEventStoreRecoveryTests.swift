import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// What the embedded event store keeps across a close, a torn tail and damage in the middle of its log.
@Suite("Embedded event store: recovery")
struct LogEventStoreRecoveryTests {
    private static func events(_ prefix: String, _ range: Range<Int>) throws -> [Event] {
        try range.map { index in
            try Event(id: "\(prefix)-\(index)", source: "/tests/event-store", type: "tested.v1", data: ByteBuffer(string: "{\"n\":\(index)}"))
        }
    }

    private static func segmentFile(_ directory: String) -> String {
        "\(directory)/events/\(String(repeating: "0", count: 20)).log"
    }

    @Test("a reopened store rebuilds its index: revisions, positions, reads and idempotent retries continue")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogEventStoreConfiguration(directory: directory)
            var store = try await LogEventStore.open(configuration)
            _ = try await store.append(try Self.events("a", 0..<3), to: "order-1", expecting: .noStream)
            _ = try await store.append(try Self.events("b", 0..<2), to: "order-2", expecting: .noStream)
            let last = try await store.append(try Self.events("a", 3..<5), to: "order-1", expecting: .exact(2))
            let before = try await store.readAll(from: 0, limit: 100)
            try await store.close()

            store = try await LogEventStore.open(configuration)
            #expect(store.damages.isEmpty)
            #expect(try await store.lastRevision(of: "order-1") == 4)
            #expect(try await store.lastRevision(of: "order-2") == 1)
            #expect(try await store.headPosition() == 6)
            #expect(try await store.readAll(from: 0, limit: 100) == before)
            #expect(try await store.readStream("order-1").map(\.event.id) == ["a-0", "a-1", "a-2", "a-3", "a-4"])
            let retried = try await store.append(try Self.events("a", 3..<5), to: "order-1", expecting: .exact(2))
            #expect(retried == AppendResult(nextExpectedRevision: 4, position: last.position, wasAlreadyAppended: true))
            let next = try await store.append(try Self.events("b", 2..<3), to: "order-2", expecting: .exact(1))
            #expect(next == AppendResult(nextExpectedRevision: 2, position: 7))
            try await store.close()
        }
    }

    @Test("a torn append at the tail is cut: every acknowledged append is there, and appending goes on")
    func tornTail() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogEventStoreConfiguration(directory: directory)
            var store = try await LogEventStore.open(configuration)
            _ = try await store.append(try Self.events("a", 0..<4), to: "cart-1", expecting: .noStream)
            try await store.close()
            // Half a batch: what a crash in the middle of a write leaves.
            let handle = try #require(FileHandle(forWritingAtPath: Self.segmentFile(directory)))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data([0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 200, 1, 2, 3]))
            try handle.close()

            store = try await LogEventStore.open(configuration)
            #expect(store.damages.isEmpty, "a torn tail is cut, not damage")
            #expect(try await store.readStream("cart-1").map(\.revision) == [0, 1, 2, 3])
            let next = try await store.append(try Self.events("a", 4..<5), to: "cart-1", expecting: .exact(3))
            #expect(next.nextExpectedRevision == 4)
            #expect(try await store.readStream("cart-1").count == 5)
            try await store.close()
        }
    }

    @Test("damage in the middle is reported with its positions: reads reaching it fail, the rest is served")
    func damageInTheMiddle() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogEventStoreConfiguration(directory: directory)
            var store = try await LogEventStore.open(configuration)
            _ = try await store.append(try Self.events("a", 0..<1), to: "pay-1", expecting: .noStream)
            let damaged = try await store.append(try Self.events("b", 0..<1), to: "pay-2", expecting: .noStream)
            _ = try await store.append(try Self.events("c", 0..<1), to: "pay-3", expecting: .noStream)
            _ = try await store.append(try Self.events("b", 1..<2), to: "pay-2", expecting: .exact(0))
            try await store.close()
            // Flip one byte inside the second batch's data: its CRC no longer matches.
            let path = Self.segmentFile(directory)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let marker = try #require(bytes.range(of: Data("b-0".utf8)))
            bytes[marker.lowerBound] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))

            store = try await LogEventStore.open(configuration)
            let damage = try #require(store.damages.first)
            #expect(damage.positions.contains(damaged.position))
            #expect(try await store.readStream("pay-1").count == 1)
            #expect(try await store.readStream("pay-3").count == 1)
            // pay-2's revision 0 is known to be lost (revision 1 follows it), and reading it says so.
            #expect(try await store.lastRevision(of: "pay-2") == 1)
            await #expect(throws: EventStoreError.self) { try await store.readStream("pay-2") }
            let latest = try await store.read(stream: "pay-2", from: .end, direction: .backwards, limit: 1)
            #expect(latest.map(\.event.id) == ["b-1"])
            await #expect(throws: EventStoreError.self) { try await store.readAll(from: 0, limit: 10) }
            #expect(try await store.readAll(from: damage.positions.upperBound, limit: 10).map(\.event.id) == ["c-0", "b-1"])
            try await store.close()
        }
    }

    @Test("a closed store refuses appends, and its directory opens again")
    func closedStore() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: directory))
            try await store.close()
            let reopened = try await LogEventStore.open(LogEventStoreConfiguration(directory: directory))
            try await reopened.close()
            await #expect(throws: EventStoreError.self) { try await reopened.append(try Self.events("x", 0..<1), to: "s-1", expecting: .any) }
        }
    }
}
