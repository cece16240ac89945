import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// How a broker serves around damage: consumers, retention (issue 10, defects 5 and 7).
@Suite("Embedded log: serving around damage")
struct LogBrokerDamageTests {
    private func event(_ index: Int) throws -> Event {
        try Event(
            id: "evt-\(index)", source: "/damage", type: "damage.test.v1", subject: "k\(index % 3)",
            data: ByteBuffer(string: String(repeating: "x", count: 80) + "\(index)"))
    }

    /// A broker in `directory` with 1,000 events in one partition of "orders", in segments of 16 KiB.
    private func prepare(_ directory: String, options: LogTopicOptions = LogTopicOptions()) async throws -> LogBrokerConfiguration {
        let configuration = LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 16 * 1024)
        let broker = try await LogBroker.open(configuration)
        try await broker.createTopic(TopicConfiguration(name: "orders"), options: options)
        for chunk in 0..<100 {
            _ = try await broker.publish(try (chunk * 10..<chunk * 10 + 10).map(event), to: "orders")
        }
        try await broker.close()
        return configuration
    }

    private func segments(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(directory)/topics/orders/0").filter { $0.hasSuffix(".log") }.sorted()
    }

    @Test("a group from the earliest offset gets every event before a zeroed page, stops at it visibly, and a seek skips it")
    func groupStopsAtDamage() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try await prepare(directory)
            let names = try segments(directory)
            try #require(names.count >= 3)
            let path = "\(directory)/topics/orders/0/\(names[1])"
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4_096)
            try handle.write(contentsOf: Data(count: 4_096))
            try handle.close()

            let broker = try await LogBroker.open(configuration)
            // A read finds the damage (the segment's saved index is whole, so open did not scan it).
            var damaged: Range<Offset>?
            var next = Offset(0)
            while damaged == nil, next < 1_000 {
                do {
                    let stored = try await broker.read(topic: "orders", partition: 0, from: next, limit: 500)
                    next = try #require(stored.last).offset.next
                } catch let error as StorageError {
                    damaged = error.damagedOffsets
                }
            }
            let damage = try #require(damaged, "the zeroed page is found")
            #expect(broker.recoveryReport().corruptions.map(\.offsets) == [damage], "and reported with its offsets")

            let subscription = try await broker.subscribe(to: "orders", group: "audit")
            var delivered: [Int64] = []
            while delivered.count < Int(damage.lowerBound.value) {
                let batch = try await subscription.next(upTo: 200)
                delivered += batch.map(\.offset.value)
                try await Delivery.ack(batch)
            }
            #expect(delivered == Array(0..<damage.lowerBound.value), "everything before the damage is delivered, in order")
            let lag = try await broker.lag(group: "audit", on: "orders")
            #expect(lag.partitions.first?.committedOffset == damage.lowerBound, "the group waits at the damage")
            #expect(lag.partitions.first?.inFlight == 0, "nothing of the damaged range is handed out")

            try await broker.seek(group: "audit", on: "orders", to: .offset(damage.upperBound))
            var after: [Int64] = []
            while after.last != 999 {
                let batch = try await subscription.next(upTo: 200)
                after += batch.map(\.offset.value)
                try await Delivery.ack(batch)
            }
            #expect(after == Array(damage.upperBound.value..<1_000), "after the seek every later event is delivered")
            await subscription.close()
            try await broker.close()
        }
    }

    @Test("an emptied or damaged time index never makes age retention delete young events", arguments: [true, false])
    func damagedTimeIndex(empty: Bool) async throws {
        try await withTemporaryDirectory { directory in
            var configuration = try await prepare(directory, options: LogTopicOptions(retentionAge: .seconds(3_600)))
            let names = try segments(directory)
            try #require(names.count >= 4)
            let timeIndex = "\(directory)/topics/orders/0/\(names[2].replacingOccurrences(of: ".log", with: ".timeindex"))"
            if empty {
                try Data().write(to: URL(fileURLWithPath: timeIndex))
            } else {
                var bytes = try Data(contentsOf: URL(fileURLWithPath: timeIndex))
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: timeIndex))
            }
            configuration.maintenanceInterval = .milliseconds(100)
            let broker = try await LogBroker.open(configuration)
            #expect(broker.recoveryReport().rebuiltIndexes.count == 1, "the damaged index is found and rebuilt")
            broker.maintain()
            var count = 0
            var next = Offset(0)
            while true {
                let stored = try await broker.read(topic: "orders", partition: 0, from: next, limit: 500)
                guard let last = stored.last else { break }
                count += stored.count
                next = last.offset.next
            }
            #expect(count == 1_000, "no event younger than an hour was deleted")
            try await broker.close()
        }
    }
}
