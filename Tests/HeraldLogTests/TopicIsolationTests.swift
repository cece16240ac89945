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

    private func configuration(_ directory: String, fileSystem: FaultInjectingFileSystem? = nil) -> LogBrokerConfiguration {
        if let fileSystem {
            return LogBrokerConfiguration(dataDirectory: directory, defaultDurability: .operatingSystem, segmentBytes: 4 * 1024, fileSystem: fileSystem)
        }
        return LogBrokerConfiguration(dataDirectory: directory, defaultDurability: .operatingSystem, segmentBytes: 4 * 1024)
    }

    /// A log whose topic "retiring" (age retention, 60 s) holds several sealed segments of expired events.
    private func openWithExpiredEvents(_ directory: String, fileSystem: FaultInjectingFileSystem) async throws -> LogBroker {
        let clock = ManualClock()
        let broker = try await LogBroker.open(configuration(directory, fileSystem: fileSystem), clock: clock)
        try await broker.createTopic(TopicConfiguration(name: "retiring", deduplicationWindow: .zero), options: LogTopicOptions(retentionAge: .seconds(60)))
        for batch in 0..<8 {
            _ = try await broker.publish(try (0..<10).map { try event("old-\(batch)-\($0)", size: 200) }, to: "retiring")
        }
        clock.advance(by: .seconds(120))
        _ = try await broker.publish(try event("fresh", size: 200), to: "retiring")
        return broker
    }

    /// Starts maintenance on a thread of its own and returns once retention of "retiring" waits on the disk.
    private func stallRetention(_ broker: LogBroker, _ fileSystem: FaultInjectingFileSystem) async -> (stall: FileSystemStall, maintained: AsyncSignal) {
        let stall = fileSystem.stall(pathsContaining: "/topics/retiring/")
        let maintained = AsyncSignal()
        Thread {
            broker.maintain()
            maintained.notify()
        }.start()
        await stall.reached()
        return (stall, maintained)
    }

    /// Publishes `id` to `topic`, takes it from `subscription` and acknowledges it; the id taken, or `nil` when
    /// that did not finish in 10 s. Not awaited directly: if it were held up, the test would hang instead of
    /// failing. The returned task finishes once the stall is resumed.
    private func publishTakeAck(_ id: String, to topic: String, on broker: LogBroker, _ subscription: Subscription) async -> (String?, Task<Void, any Error>) {
        let delivered = Mutex<String?>(nil)
        let finished = AsyncSignal()
        let work = Task {
            _ = try await broker.publish(try event(id), to: topic)
            let delivery = try await subscription.next()
            try await delivery?.ack()
            delivered.withLock { $0 = delivery?.event.id }
            finished.notify()
        }
        await finished.wait(until: .now + .seconds(10))
        return (delivered.withLock { $0 }, work)
    }

    /// Lets the stalled retention go on and waits for it and for the work done meanwhile.
    private func resume(_ stall: FileSystemStall, _ maintained: AsyncSignal, _ work: Task<Void, any Error>) async throws {
        stall.resume()
        try await work.value
        await maintained.wait()
    }

    @Test("a publish, a take and an ack on one topic go through while another topic's retention waits on a slow disk")
    func retentionOfAnotherTopic() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await openWithExpiredEvents(directory, fileSystem: fileSystem)
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            let orders = try await broker.subscribe(to: "orders", group: "billing")
            let (stall, maintained) = await stallRetention(broker, fileSystem)

            let (delivered, work) = await publishTakeAck("order-1", to: "orders", on: broker, orders)
            #expect(delivered == "order-1", "the publish, take and ack on 'orders' did not finish while 'retiring' waited on its disk")
            #expect(stall.waiting == 1, "the other topic's retention was still waiting when they finished")

            try await resume(stall, maintained, work)
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
            let broker = try await openWithExpiredEvents(directory, fileSystem: fileSystem)
            let subscription = try await broker.subscribe(to: "retiring", group: "readers", options: SubscriptionOptions(startPosition: .latest))
            let (stall, maintained) = await stallRetention(broker, fileSystem)
            let retiredStart = try await broker.describeTopic("retiring").partitions[0].startOffset
            #expect(retiredStart > 0, "the events retention dropped are gone for readers before their files are")

            let (delivered, work) = await publishTakeAck("new-1", to: "retiring", on: broker, subscription)
            #expect(delivered == "new-1", "the publish, take and ack on 'retiring' did not finish while its own retention waited on its disk")
            #expect(stall.waiting == 1, "retention's file work was still waiting when they finished")

            try await resume(stall, maintained, work)
            await subscription.close()
            try await broker.close()

            // The start was persisted and the dropped segments deleted: a reopened log starts there too.
            let reopened = try await LogBroker.open(configuration(directory))
            #expect(try await reopened.describeTopic("retiring").partitions[0].startOffset == retiredStart)
            #expect(reopened.recoveryReport().corruptions.isEmpty)
            try await reopened.close()
        }
    }
}
