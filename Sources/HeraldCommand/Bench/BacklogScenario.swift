import Foundation
import Herald
import HeraldLog
import NIOCore

/// Memory while one group reads a large backlog from the embedded log: publishes `events` (OS-flush
/// durability, to build the backlog quickly), then consumes and acks them all, sampling the process's
/// resident memory; reports RSS before consuming and the largest RSS seen during it.
struct BacklogScenario {
    let events: Int
    let size: Int
    let partitions: Int
    let directory: String

    struct Result {
        var events: Int
        var residentBeforeConsuming: Int
        var largestResidentWhileConsuming: Int
        var consumeSeconds: Double
    }

    func run() async throws -> Result {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, defaultDurability: .operatingSystem))
        var configuration = TopicConfiguration(name: "backlog", partitions: partitions, deduplicationWindow: .zero)
        configuration.maximumEvents = events
        configuration.maximumBytes = Int.max / 2
        try await broker.createTopic(configuration)
        let payload = ByteBuffer(repeating: UInt8(ascii: "b"), count: size)
        for start in stride(from: 0, to: events, by: 1_000) {
            let batch = try (start..<min(start + 1_000, events)).map { index in
                try Event(id: "b-\(index)", source: "/bench", type: "bench.backlog.v1", subject: "k\(index % 256)", data: payload)
            }
            _ = try await broker.publish(batch, to: "backlog")
        }
        let before = Self.residentBytes()
        var largest = before
        let subscription = try await broker.subscribe(to: "backlog", group: "reader", options: SubscriptionOptions(prefetch: 1_024))
        let clock = ContinuousClock()
        let started = clock.now
        var consumed = 0
        while consumed < events, let delivery = try await subscription.next() {
            try await delivery.ack()
            consumed += 1
            if consumed % 100_000 == 0 { largest = max(largest, Self.residentBytes()) }
        }
        let elapsed = clock.now - started
        await subscription.close()
        try await broker.close()
        return Result(
            events: consumed,
            residentBeforeConsuming: before,
            largestResidentWhileConsuming: largest,
            consumeSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    /// The process's resident set size in bytes, from `/proc/self/statm` (0 where there is none).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
