import Herald
import Histogram
import NIOCore
import Synchronization

/// End-to-end latency at a fixed publish rate: each event is due at `start + i / rate`; its latency runs
/// from that due time (so a stalled publisher shows up as latency, not as fewer samples) until a consumer
/// of one group receives it. The same run also records, from the same due times, when each publish was
/// acknowledged, which separates the publish path from the consumer's side, and when each publish call
/// started (how late the benchmark's own publisher was: its share of the figures, not the broker's).
struct LatencyScenario {
    let rate: Int
    let seconds: Int
    let size: Int
    let partitions: Int

    struct Result {
        var events: Int
        var p50: Duration
        var p99: Duration
        var p999: Duration
        var max: Duration
    }

    /// Latencies recorded from several tasks.
    final class SharedHistogram: Sendable {
        // Mutex: publish tasks record concurrently.
        private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))

        func record(_ latency: Duration) {
            histogram.withLock { _ = $0.record(UInt64(max(0, latency.microseconds))) }
        }

        var result: Result { histogram.withLock { Result($0) } }
    }

    /// End-to-end latencies and publish-acknowledged latencies.
    func run(on broker: any Broker) async throws -> (endToEnd: Result, published: Result, started: Result) {
        let total = rate * seconds
        try await broker.createTopic(TopicConfiguration(name: "bench-latency", partitions: partitions))
        let subscription = try await broker.subscribe(
            to: "bench-latency",
            group: "latency",
            options: SubscriptionOptions(prefetch: 1_024, startPosition: .earliest)
        )
        let payload = ByteBuffer(repeating: UInt8(ascii: "l"), count: size)
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(50)
        let interval = Duration.seconds(1) / rate
        let published = SharedHistogram()
        let started = SharedHistogram()
        let histogram = try await withThrowingTaskGroup(of: Histogram<UInt64>?.self) { group in
            group.addTask {
                var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                var received = 0
                while received < total, let delivery = try await subscription.next() {
                    let now = clock.now
                    if let index = Int(delivery.event.id.dropFirst(4)) {
                        let latency = now - (start + interval * index)
                        _ = histogram.record(UInt64(max(0, latency.microseconds)))
                    }
                    try await delivery.ack()
                    received += 1
                }
                return histogram
            }
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { publishes in
                    var inFlight = 0
                    for index in 0..<total {
                        try await Task.sleep(until: start + interval * index, clock: clock)
                        if inFlight >= 512 {
                            try await publishes.next()
                            inFlight -= 1
                        }
                        let event = try Event(id: "lat-\(index)", source: "/bench", type: "bench.latency.v1", subject: "k\(index % 64)", data: payload)
                        let due = start + interval * index
                        publishes.addTask {
                            started.record(clock.now - due)
                            _ = try await broker.publish(event, to: "bench-latency")
                            published.record(clock.now - due)
                        }
                        inFlight += 1
                    }
                    try await publishes.waitForAll()
                }
                return nil
            }
            var result: Histogram<UInt64>?
            for try await histogram in group {
                if let histogram { result = histogram }
            }
            return result
        }
        await subscription.close()
        guard let histogram else {
            return (Result(events: 0, p50: .zero, p99: .zero, p999: .zero, max: .zero), published.result, started.result)
        }
        return (Result(histogram), published.result, started.result)
    }
}

extension LatencyScenario.Result {
    /// The figures of `histogram` (microseconds).
    init(_ histogram: Histogram<UInt64>) {
        self.init(
            events: Int(histogram.totalCount),
            p50: .microseconds(histogram.valueAtPercentile(50)),
            p99: .microseconds(histogram.valueAtPercentile(99)),
            p999: .microseconds(histogram.valueAtPercentile(99.9)),
            max: .microseconds(histogram.max)
        )
    }
}

extension Duration {
    /// Whole microseconds.
    var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }

    /// Milliseconds with a fraction, for printing.
    var millisecondsValue: Double {
        Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15
    }
}
