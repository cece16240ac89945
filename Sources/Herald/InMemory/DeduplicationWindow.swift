import DequeModule

/// Remembers recently published (`source`, `id`) pairs of one topic and where they are stored.
///
/// Bounded twice: entries older than the window are forgotten, and when more than
/// `maximumEntries` are held the oldest are forgotten first (shortening the effective window).
package struct DeduplicationWindow {
    private var positions: [DeduplicationKey: (partition: Partition, offset: Offset, storedAt: Moment)] = [:]
    private var order: Deque<(key: DeduplicationKey, storedAt: Moment)> = []
    /// How long a key is remembered.
    package let window: Duration
    /// The most keys remembered.
    package let maximumEntries: Int

    /// Creates an empty window.
    package init(window: Duration, maximumEntries: Int) {
        self.window = window
        self.maximumEntries = maximumEntries
    }

    /// Whether de-duplication is on (a window longer than zero).
    package var isEnabled: Bool { window > .zero }

    /// Where an earlier event with this key is stored, if it is still inside the window.
    package mutating func original(of key: DeduplicationKey, now: ContinuousClock.Instant) -> (partition: Partition, offset: Offset)? {
        guard isEnabled else { return nil }
        expire(now: Moment(now))
        return positions[key].map { ($0.partition, $0.offset) }
    }

    /// Remembers a newly stored event.
    package mutating func remember(_ key: DeduplicationKey, partition: Partition, offset: Offset, now: ContinuousClock.Instant) {
        guard isEnabled else { return }
        let moment = Moment(now)
        positions[key] = (partition, offset, moment)
        order.append((key, moment))
        while order.count > maximumEntries, let oldest = order.popFirst() {
            forget(oldest)
        }
    }

    private mutating func expire(now: Moment) {
        while let oldest = order.first, now.sinceOrigin - oldest.storedAt.sinceOrigin >= window {
            order.removeFirst()
            forget(oldest)
        }
    }

    private mutating func forget(_ entry: (key: DeduplicationKey, storedAt: Moment)) {
        if positions[entry.key]?.storedAt == entry.storedAt {
            positions[entry.key] = nil
        }
    }
}
