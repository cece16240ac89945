import DequeModule
import Herald

/// How long HTTP consumers take with what they are handed: the time from a delivery's hand-out (by a
/// fetch or a stream) to its settlement, per topic and group — the processing time the dashboard shows.
/// Consumers in other processes settle with their broker directly; the server cannot see theirs.
/// Bounded: at most ``capacity`` deliveries awaited, the last ``kept`` times per group. An actor: the
/// consume routes write and the dashboard's observer reads.
actor HandlingTimes {
    private struct Group: Hashable {
        var topic: String
        var group: String
    }

    /// The most deliveries awaiting settlement it remembers.
    let capacity: Int
    /// The times kept per group.
    let kept: Int
    private let time: TimeSource
    private var handedOut: BoundedMap<String, Moment>
    private var recent: [Group: Deque<Double>] = [:]

    /// Times on `time`, bounded by `capacity` and `kept`.
    init(time: TimeSource, capacity: Int = 100_000, kept: Int = 200) {
        self.time = time
        self.capacity = capacity
        self.kept = kept
        self.handedOut = BoundedMap(capacity: capacity)
    }

    /// Notes that `deliveries` were handed out now.
    func handedOut(_ deliveries: [Delivery]) {
        let now = time.now
        for delivery in deliveries { handedOut[delivery.token.wireValue] = now }
    }

    /// Notes that the deliveries of `tokens` on `topic` and `group` were settled now.
    func settled(_ tokens: [String], topic: String, group: String) {
        let now = time.now
        let key = Group(topic: topic, group: group)
        for token in tokens {
            guard let start = handedOut[token] else { continue }
            handedOut[token] = nil
            var times = recent[key] ?? []
            times.append((now.sinceOrigin - start.sinceOrigin).timeInterval)
            if times.count > kept { times.removeFirst(times.count - kept) }
            recent[key] = times
        }
    }

    /// The median of the last settled deliveries' times on `topic` and `group`, in seconds; `nil` when
    /// none was settled over HTTP.
    func median(topic: String, group: String) -> Double? {
        guard let times = recent[Group(topic: topic, group: group)], !times.isEmpty else { return nil }
        return times.sorted()[times.count / 2]
    }
}
