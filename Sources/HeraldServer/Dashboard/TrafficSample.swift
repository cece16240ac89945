import Foundation

/// One look at a topic: how many events it had received in all (the sum of its partitions' end
/// offsets) and how many each group had handled (the sum of its committed offsets), at a moment.
struct TrafficSample: Sendable {
    /// When it was taken.
    var at: Date
    /// The sum of the partitions' end offsets.
    var published: Int64
    /// Per group, the sum of its committed offsets.
    var handled: [String: Int64]
}

/// The last hour of a topic's samples, in order, bounded.
struct TrafficHistory: Sendable {
    /// The most samples kept.
    let capacity: Int
    private(set) var samples: [TrafficSample] = []

    /// An empty history of at most `capacity` samples.
    init(capacity: Int) {
        self.capacity = max(2, capacity)
    }

    /// Appends `sample`, forgetting the oldest past the capacity.
    mutating func append(_ sample: TrafficSample) {
        samples.append(sample)
        if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
    }

    /// Events published in each of the `buckets` minutes up to `now`, oldest first.
    func publishedPerMinute(until now: Date, buckets: Int = 60) -> [Int64] {
        perMinute(until: now, buckets: buckets) { $0.published }
    }

    /// Events `group` handled in each of the `buckets` minutes up to `now`, oldest first.
    func handledPerMinute(_ group: String, until now: Date, buckets: Int = 60) -> [Int64] {
        perMinute(until: now, buckets: buckets) { $0.handled[group] }
    }

    /// Events per second between the last two samples.
    func publishedRate() -> Double {
        rate { $0.published }
    }

    /// Events `group` handled per second between the last two samples.
    func handledRate(_ group: String) -> Double {
        rate { $0.handled[group] }
    }

    private func rate(_ value: (TrafficSample) -> Int64?) -> Double {
        guard samples.count >= 2 else { return 0 }
        let last = samples[samples.count - 1]
        let before = samples[samples.count - 2]
        guard let now = value(last), let then = value(before) else { return 0 }
        let seconds = last.at.timeIntervalSince(before.at)
        return seconds > 0 ? Double(max(0, now - then)) / seconds : 0
    }

    /// The growth of `value` within each minute: the last value at or before the minute's end minus the
    /// value at its start. The first sample seen is the baseline (what came before the server watched is
    /// not counted), and a counter that went down (a seek back) counts as nothing.
    private func perMinute(until now: Date, buckets: Int, _ value: (TrafficSample) -> Int64?) -> [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(buckets)
        let start = now.addingTimeInterval(-60 * Double(buckets))
        var index = 0
        var previous: Int64? = nil
        while index < samples.count, samples[index].at <= start {
            if let seen = value(samples[index]) { previous = seen }
            index += 1
        }
        for bucket in 1...buckets {
            let end = start.addingTimeInterval(60 * Double(bucket))
            var latest = previous
            while index < samples.count, samples[index].at <= end {
                if let seen = value(samples[index]) {
                    if previous == nil { previous = seen }
                    latest = seen
                }
                index += 1
            }
            if let latest, let before = previous {
                result.append(max(0, latest - before))
            } else {
                result.append(0)
            }
            previous = latest
        }
        return result
    }
}
