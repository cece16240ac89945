import Foundation
import Herald
import HeraldLog
import HeraldTesting
import NIOCore
import Synchronization
import Testing

@Suite("Embedded log: topics do not wait for each other")
struct TopicIsolationTests {
    private func event(_ id: String, size: Int = 16) throws -> Event {
        try Event(id: id, source: "/isolation", type: "test.event", data: ByteBuffer(repeating: UInt8(ascii: "x"), count: size))
    }

    @Test("a publish, a take and an ack on one topic go through while another topic's retention waits on a slow disk")
    func retentionOfAnotherTopic() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let clock = ManualClock()
            let configuration = LogBrokerConfiguration(
                dataDirectory: directory, defaultDurability: .operatingSystem, segmentBytes: 4 * 1024, fileSystem: fileSystem
            )
            let broker = try await LogBroker.open(configuration, clock: clock)
            try await broker.createTopic(TopicConfiguration(name: "retiring", deduplicationWindow: .zero), options: LogTopicOptions(retentionAge: .seconds(60)))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            let orders = try await broker.subscribe(to: "orders", group: "billing")
            // Several sealed segments of events that age retention will drop.
            for batch in 0..<8 {
                _ = try await broker.publish(try (0..<10).map { try event("old-\(batch)-\($0)", size: 200) }, to: "retiring")
            }
            clock.advance(by: .seconds(120))
            _ = try await broker.publish(try event("fresh", size: 200), to: "retiring")

            // Retention of "retiring" now waits on the disk, on a thread of its own.
            let stall = fileSystem.stall(pathsContaining: "/topics/retiring/")
            let maintained = AsyncSignal()
            Thread {
                broker.maintain()
                maintained.notify()
            }.start()
            await stall.reached()

            // Not awaited directly: if it were held up (as behind one lock for every topic), the test would
            // hang instead of failing. It gets 10 s; the stall is then resumed either way.
            let delivered = Mutex<String?>(nil)
            let finished = AsyncSignal()
            let work = Task {
                _ = try await broker.publish(try event("order-1"), to: "orders")
                let delivery = try await orders.next()
                try await delivery?.ack()
                delivered.withLock { $0 = delivery?.event.id }
                finished.notify()
            }
            await finished.wait(until: .now + .seconds(10))
            #expect(delivered.withLock { $0 } == "order-1", "the publish, take and ack on 'orders' did not finish while 'retiring' waited on its disk")
            #expect(stall.waiting == 1, "the other topic's retention was still waiting when they finished")

            stall.resume()
            try await work.value
            await maintained.wait()
            let retired = try await broker.describeTopic("retiring")
            #expect(retired.partitions[0].startOffset > 0, "retention went on once the disk answered")
            await orders.close()
            try await broker.close()
        }
    }

    @Test("while a topic's own retention waits on a slow disk, that topic's publishes, takes and acks go through")
    func ownRetentionOffTheLock() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let clock = ManualClock()
            let configuration = LogBrokerConfiguration(
                dataDirectory: directory, defaultDurability: .operatingSystem, segmentBytes: 4 * 1024, fileSystem: fileSystem
            )
            let broker = try await LogBroker.open(configuration, clock: clock)
            try await broker.createTopic(TopicConfiguration(name: "retiring", deduplicationWindow: .zero), options: LogTopicOptions(retentionAge: .seconds(60)))
            for batch in 0..<8 {
                _ = try await broker.publish(try (0..<10).map { try event("old-\(batch)-\($0)", size: 200) }, to: "retiring")
            }
            clock.advance(by: .seconds(120))
            _ = try await broker.publish(try event("fresh", size: 200), to: "retiring")
            let subscription = try await broker.subscribe(
                to: "retiring", group: "readers", options: SubscriptionOptions(startPosition: .latest)
            )

            // Retention of "retiring" decides, then waits on the disk for its start file, on a thread of its own.
            let stall = fileSystem.stall(pathsContaining: "/topics/retiring/")
            let maintained = AsyncSignal()
            Thread {
                broker.maintain()
                maintained.notify()
            }.start()
            await stall.reached()
            let retiredStart = try await broker.describeTopic("retiring").partitions[0].startOffset
            #expect(retiredStart > 0, "the events retention dropped are gone for readers before their files are")

            let delivered = Mutex<String?>(nil)
            let finished = AsyncSignal()
            let work = Task {
                _ = try await broker.publish(try event("new-1"), to: "retiring")
                let delivery = try await subscription.next()
                try await delivery?.ack()
                delivered.withLock { $0 = delivery?.event.id }
                finished.notify()
            }
            await finished.wait(until: .now + .seconds(10))
            #expect(
                delivered.withLock { $0 } == "new-1",
                "the publish, take and ack on 'retiring' did not finish while its own retention waited on its disk")
            #expect(stall.waiting == 1, "retention's file work was still waiting when they finished")

            stall.resume()
            try await work.value
            await maintained.wait()
            await subscription.close()
            try await broker.close()

            // The start was persisted and the dropped segments deleted: a reopened log starts there too.
            let reopened = try await LogBroker.open(
                LogBrokerConfiguration(dataDirectory: directory, defaultDurability: .operatingSystem, segmentBytes: 4 * 1024))
            #expect(try await reopened.describeTopic("retiring").partitions[0].startOffset == retiredStart)
            #expect(reopened.recoveryReport().corruptions.isEmpty)
            try await reopened.close()
        }
    }
}
