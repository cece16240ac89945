import DequeModule

/// Remembers recently published (`source`, `id`) pairs of one topic and where they are stored, and which
/// keys a publish in progress has claimed (so that a concurrent publish of the same key waits for it
/// rather than storing a second copy).
///
/// Bounded twice: entries older than the window are forgotten, and when more than
/// `maximumEntries` are held the oldest are forgotten first (shortening the effective window).
package struct DeduplicationWindow {
    /// What the window knows of a key: where it is stored, or which publish is storing it.
    private enum Slot {
        case stored(partition: Partition, offset: Offset, storedAt: Moment)
        case claimed(publish: UInt64, index: Int)
    }

    /// Keys by fingerprint: 16 bytes each, no strings to retain, compare or follow in a table of up to
    /// `maximumEntries` (a million by default).
    private var slots: [DeduplicationFingerprint: Slot] = [:]
    /// Stored keys, oldest first.
    private var order: Deque<(key: DeduplicationFingerprint, storedAt: Moment)> = []
    /// How long a key is remembered.
    package let window: Duration
    /// The most keys remembered.
    package let maximumEntries: Int

    /// Creates an empty window.
    package init(window: Duration, maximumEntries: Int) {
        self.window = window
        self.maximumEntries = maximumEntries
        // Skips the first rounds of growth; a busy topic grows the table further as it fills.
        if window > .zero { slots.reserveCapacity(min(maximumEntries, 1 << 14)) }
    }

    /// Whether de-duplication is on (a window longer than zero).
    package var isEnabled: Bool { window > .zero }

    /// Where an earlier event with this key is stored, if it is still inside the window.
    package mutating func original(of key: DeduplicationKey, now: ContinuousClock.Instant) -> (partition: Partition, offset: Offset)? {
        guard isEnabled else { return nil }
        expire(now: Moment(now))
        guard case .stored(let partition, let offset, _) = slots[key.fingerprint] else { return nil }
        return (partition, offset)
    }

    /// Remembers a newly stored event.
    package mutating func remember(_ key: DeduplicationKey, partition: Partition, offset: Offset, now: ContinuousClock.Instant) {
        guard isEnabled else { return }
        store(key.fingerprint, partition: partition, offset: offset, at: Moment(now))
    }

    // MARK: Claims of publishes in progress

    /// What ``claim(_:publish:index:)`` found.
    package enum Claim {
        /// The key is new: the publish now holds it until ``confirm(_:partition:offset:now:)`` or
        /// ``release(_:publish:)``.
        case claimed
        /// Stored earlier, inside the window.
        case duplicate(Partition, Offset)
        /// Claimed by the same publish for its event at this index.
        case earlierInBatch(Int)
        /// Claimed by another publish still writing it.
        case heldElsewhere
    }

    /// Forgets what has left the window; call before a run of ``claim(_:publish:index:)``.
    package mutating func expire(now: ContinuousClock.Instant) {
        expire(now: Moment(now))
    }

    /// Looks `key` up and, if it is new, claims it for event `index` of publish `publish`: one hash
    /// lookup for both.
    package mutating func claim(_ key: DeduplicationFingerprint, publish: UInt64, index: Int) -> Claim {
        // The modify accessor of the defaulted subscript inserts the claim when the key is absent.
        Self.classify(&slots[key, default: .claimed(publish: publish, index: index)], publish: publish, index: index)
    }

    private static func classify(_ slot: inout Slot, publish: UInt64, index: Int) -> Claim {
        switch slot {
        case .stored(let partition, let offset, _):
            return .duplicate(partition, offset)
        case .claimed(let owner, let earlier):
            if owner != publish { return .heldElsewhere }
            return earlier == index ? .claimed : .earlierInBatch(earlier)
        }
    }

    /// Turns a claim into a stored entry.
    package mutating func confirm(_ key: DeduplicationFingerprint, partition: Partition, offset: Offset, now: ContinuousClock.Instant) {
        store(key, partition: partition, offset: offset, at: Moment(now))
    }

    /// Drops the claim of `publish` on `key` (its write failed or it must wait).
    package mutating func release(_ key: DeduplicationFingerprint, publish: UInt64) {
        if case .claimed(let owner, _) = slots[key], owner == publish {
            slots[key] = nil
        }
    }

    // MARK: Bounds

    private mutating func store(_ key: DeduplicationFingerprint, partition: Partition, offset: Offset, at moment: Moment) {
        slots[key] = .stored(partition: partition, offset: offset, storedAt: moment)
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

    private mutating func forget(_ entry: (key: DeduplicationFingerprint, storedAt: Moment)) {
        if case .stored(_, _, let storedAt) = slots[entry.key], storedAt == entry.storedAt {
            slots[entry.key] = nil
        }
    }
}
