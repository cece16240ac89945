import Foundation
import Herald
import HeraldLog
import NIOCore

/// `timers-schedule <data-directory> <count>`: schedules `count` timers in the embedded timer store,
/// timer `timer-<i>` due 1 s from now plus `i` µs, its event's data the due time (seconds since 2001);
/// prints `SCHEDULED <count>`.
///
/// `timers-fire <data-directory>`: fires the due timers into topic `fired` of an embedded log (fsync
/// before ack, de-duplication window 1 h) until none is pending, then prints `FIRED <count>` (the count
/// this run fired). Killed in the middle and run again, it must leave each timer's event in the topic
/// exactly once.
struct TimerCrashWriter {
    let directory: String

    static let topic = "fired"

    func schedule(count: Int) async throws {
        let store = try await SQLiteTimerStore.open(path: "\(directory)/timers.sqlite")
        let base = Date().addingTimeInterval(1)
        var next = 0
        while next < count {
            let end = min(count, next + 10_000)
            let timers = try (next..<end).map { index in
                let due = base.addingTimeInterval(Double(index) / 1_000_000)
                let event = try Event(
                    id: "timer-\(index)", source: "/crash-writer/timers", type: "crash.timer.v1",
                    data: ByteBuffer(string: String(due.timeIntervalSinceReferenceDate)))
                return ScheduledEvent(id: "timer-\(index)", topic: Self.topic, event: event, due: due)
            }
            try await store.schedule(timers)
            next = end
        }
        await store.close()
        FileHandle.standardOutput.write(Data("SCHEDULED \(count)\n".utf8))
    }

    func fire() async throws {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: "\(directory)/log"))
        if try await !broker.topics().contains(where: { $0.name == Self.topic }) {
            var configuration = TopicConfiguration(name: Self.topic, partitions: 1, deduplicationWindow: .seconds(3_600))
            configuration.maximumDeduplicationEntries = 100_000
            try await broker.createTopic(configuration)
        }
        let store = try await SQLiteTimerStore.open(path: "\(directory)/timers.sqlite")
        let service = TimerService(store: store, broker: broker, batchSize: 1_000)
        var fired = 0
        while try await store.pendingCount() > 0 {
            fired += try await service.fireDue()
        }
        await store.close()
        try await broker.close()
        FileHandle.standardOutput.write(Data("FIRED \(fired)\n".utf8))
    }
}
