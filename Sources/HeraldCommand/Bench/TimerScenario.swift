import Foundation
import Herald
import HeraldLog
import NIOCore

/// `herald bench --timers N`: schedules N durable timers in the embedded timer store, due evenly over
/// `spread` seconds starting once scheduling is surely done, then fires them with a ``TimerService``
/// into an embedded log (fsync before ack) while one consumer group reads them. Reports the resident
/// memory with nothing and with N timers pending, the largest while firing, and the lateness of each
/// event from its due time to its delivery to the consumer.
struct TimerScenario {
    let timers: Int
    let spread: Duration
    let directory: String

    struct Result {
        var scheduleSeconds: Double
        var residentEmpty: Int
        var residentPending: Int
        var largestResidentWhileFiring: Int
        /// Whether scheduling ran past the first due time (the first timers are then late by that much).
        var scheduledPastFirstDue: Bool
        var lateness: LatencyScenario.Result
    }

    func run() async throws -> Result {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: "\(directory)/log"))
        var topic = TopicConfiguration(name: "timers", partitions: 1, deduplicationWindow: .seconds(600))
        topic.maximumDeduplicationEntries = 100_000
        topic.maximumEvents = timers * 2
        try await broker.createTopic(topic)
        let store = try await SQLiteTimerStore.open(path: "\(directory)/timers.sqlite")
        let residentEmpty = BacklogScenario.residentBytes()

        let scheduleStart = Date()
        let base = scheduleStart.addingTimeInterval(max(10, Double(timers) / 50_000))
        let spreadSeconds = spread.timeInterval
        var next = 0
        while next < timers {
            let end = min(timers, next + 10_000)
            let chunk = try (next..<end).map { index in
                let due = base.addingTimeInterval(spreadSeconds * Double(index) / Double(timers))
                let event = try Event(
                    id: "timer-\(index)", source: "/herald/bench/timers", type: "herald.bench.timer.v1",
                    data: ByteBuffer(string: String(due.timeIntervalSinceReferenceDate)))
                return ScheduledEvent(id: "timer-\(index)", topic: "timers", event: event, due: due)
            }
            try await store.schedule(chunk)
            next = end
        }
        let scheduleSeconds = Date().timeIntervalSince(scheduleStart)
        let residentPending = BacklogScenario.residentBytes()

        let service = TimerService(store: store, broker: broker, batchSize: 1_000)
        let subscription = try await broker.subscribe(to: "timers", group: "bench", options: SubscriptionOptions(prefetch: 1_024, startPosition: .earliest))
        let firing = Task { try await service.run() }
        let lateness = LatencyScenario.SharedHistogram()
        var largest = residentPending
        var received = 0
        for try await delivery in subscription {
            let now = Date()
            if let due = Double(String(buffer: delivery.event.data ?? ByteBuffer())) {
                lateness.record(.seconds(max(0, now.timeIntervalSinceReferenceDate - due)))
            }
            try await delivery.ack()
            received += 1
            if received % 50_000 == 0 { largest = max(largest, BacklogScenario.residentBytes()) }
            if received == timers { break }
        }
        firing.cancel()
        _ = await firing.result
        await subscription.close()
        await store.close()
        try await broker.close()
        return Result(
            scheduleSeconds: scheduleSeconds, residentEmpty: residentEmpty, residentPending: residentPending, largestResidentWhileFiring: largest,
            scheduledPastFirstDue: scheduleStart.addingTimeInterval(scheduleSeconds) > base, lateness: lateness.result)
    }
}
