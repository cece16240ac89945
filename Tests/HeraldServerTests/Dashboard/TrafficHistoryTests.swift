import Foundation
import Testing

@testable import HeraldServer

/// The overview's last hour: per-minute growth of a counter from samples, the first sample as the
/// baseline, and a rate between the last two samples.
@Suite("Dashboard: traffic history")
struct TrafficHistoryTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func sample(_ secondsAgo: Double, published: Int64, handled: Int64? = nil) -> TrafficSample {
        TrafficSample(at: now.addingTimeInterval(-secondsAgo), published: published, handled: handled.map { ["g": $0] } ?? [:])
    }

    @Test("each minute holds what was published in it; the first sample is the baseline; a counter that went down counts as nothing")
    func perMinute() {
        var history = TrafficHistory(capacity: 100)
        history.append(sample(200, published: 1_000, handled: 0))  // the baseline, 4 minutes ago
        history.append(sample(170, published: 1_010, handled: 5))  // the minute 3 ago
        history.append(sample(100, published: 1_070, handled: 2))  // 2 ago; the group was sought back
        history.append(sample(30, published: 1_070, handled: 2))
        history.append(sample(2, published: 1_090, handled: 12))
        history.append(sample(0, published: 1_100, handled: 20))
        #expect(history.publishedPerMinute(until: now, buckets: 5) == [0, 0, 10, 60, 30])
        #expect(history.handledPerMinute("g", until: now, buckets: 5) == [0, 0, 5, 0, 18])
        #expect(history.publishedRate() == 5)
        #expect(history.handledRate("g") == 4)
        #expect(history.handledPerMinute("other", until: now, buckets: 5) == [0, 0, 0, 0, 0])
    }

    @Test("the history keeps at most its capacity, the newest")
    func bounded() {
        var history = TrafficHistory(capacity: 3)
        for index in 0..<10 { history.append(sample(Double(10 - index), published: Int64(index))) }
        #expect(history.samples.map(\.published) == [7, 8, 9])
    }
}
