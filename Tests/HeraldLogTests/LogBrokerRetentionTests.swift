import Herald
import HeraldLog
import NIOCore
import Testing

@Suite("Embedded log: retention")
struct LogBrokerRetentionTests {
    private func event(_ index: Int) throws -> Event {
        try Event(
            id: "evt-\(index)",
            source: "/retention",
            type: "retention.test.v1",
            data: ByteBuffer(repeating: UInt8(ascii: "r"), count: 200)
        )
    }

    @Test("a byte-limited topic refuses publishes when full, and takes them again once groups acknowledged")
    func bytesRejectPublish() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 2 * 1024))
            try await broker.createTopic(TopicConfiguration(name: "bounded", maximumBytes: 8 * 1024, maximumEventBytes: 1_024))
            let subscription = try await broker.subscribe(to: "bounded", group: "g")
            var accepted = 0
            var refused: BrokerError?
            for index in 0..<200 {
                do {
                    _ = try await broker.publish(try event(index), to: "bounded")
                    accepted += 1
                } catch let error as BrokerError {
                    refused = error
                    break
                }
            }
            #expect(refused?.isTopicFull == true, "the topic fills up")
            #expect(accepted > 10)
            for _ in 0..<accepted {
                let delivery = try #require(try await subscription.next())
                try await delivery.ack()
            }
            _ = try await broker.publish(try event(1_000), to: "bounded")
            await subscription.close()
            try await broker.close()
        }
    }

    @Test("a byte-limited topic with dropOldest keeps taking publishes and stays near its limit")
    func bytesDropOldest() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 2 * 1024))
            try await broker.createTopic(
                TopicConfiguration(name: "rolling", maximumBytes: 8 * 1024, maximumEventBytes: 1_024, overflowPolicy: .dropOldest)
            )
            for index in 0..<200 {
                _ = try await broker.publish(try event(index), to: "rolling")
            }
            let oldest = try await broker.read(topic: "rolling", partition: 0, from: 0, limit: 1).first?.offset.value ?? -1
            #expect(oldest > 100, "old segments were dropped")
            let kept = try await broker.read(topic: "rolling", partition: 0, from: 0, limit: 1_000)
            #expect(kept.last?.offset == 199, "the newest event is kept")
            #expect(kept.count * 200 <= 8 * 1024, "payloads kept stay within the limit")
            try await broker.close()
        }
    }
}

@Suite("Embedded log: bounded resources")
struct LogBrokerResourceTests {
    @Test("open files stay under the cap however many segments there are")
    func openFilesCapped() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 1_024, maximumOpenFiles: 8)
            let broker = try await LogBroker.open(configuration)
            for topic in ["a", "b", "c"] {
                try await broker.createTopic(TopicConfiguration(name: topic, partitions: 2))
                for index in 0..<100 {
                    let event = try Event(
                        id: "\(topic)-\(index)", source: "/files", type: "files.v1", subject: "k\(index)", data: ByteBuffer(repeating: 1, count: 100))
                    _ = try await broker.publish(event, to: topic)
                }
                #expect(broker.openFiles <= 8)
            }
            try await broker.close()
            let reopened = try await LogBroker.open(configuration)
            var total = 0
            for topic in ["a", "b", "c"] {
                for partition in 0..<2 {
                    total += try await reopened.read(topic: topic, partition: Partition(partition), from: 0, limit: 1_000).count
                    #expect(reopened.openFiles <= 8)
                }
            }
            #expect(total == 300, "every event is still readable through reopened files")
            try await reopened.close()
        }
    }
}
