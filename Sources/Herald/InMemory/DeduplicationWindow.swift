import DequeModule

/// Remembers recently published (`source`, `id`) pairs of one topic and their receipts.
///
/// Bounded twice: entries older than the window are forgotten, and when more than
/// `maximumEntries` are held the oldest are forgotten first (shortening the effective window).
struct DeduplicationWindow {
    private var receipts: [String: (receipt: PublishReceipt, storedAt: ContinuousClock.Instant)] = [:]
    private var order: Deque<(key: String, storedAt: ContinuousClock.Instant)> = []
    let window: Duration
    let maximumEntries: Int

    init(window: Duration, maximumEntries: Int) {
        self.window = window
        self.maximumEntries = maximumEntries
    }

    var isEnabled: Bool { window > .zero }

    /// The receipt of an earlier event with this key still inside the window.
    mutating func receipt(for key: String, now: ContinuousClock.Instant) -> PublishReceipt? {
        guard isEnabled else { return nil }
        expire(now: now)
        return receipts[key]?.receipt
    }

    /// Remembers a newly stored event.
    mutating func remember(_ key: String, receipt: PublishReceipt, now: ContinuousClock.Instant) {
        guard isEnabled else { return }
        receipts[key] = (receipt, now)
        order.append((key, now))
        while order.count > maximumEntries, let oldest = order.popFirst() {
            forget(oldest)
        }
    }

    private mutating func expire(now: ContinuousClock.Instant) {
        while let oldest = order.first, now - oldest.storedAt >= window {
            order.removeFirst()
            forget(oldest)
        }
    }

    private mutating func forget(_ entry: (key: String, storedAt: ContinuousClock.Instant)) {
        if receipts[entry.key]?.storedAt == entry.storedAt {
            receipts[entry.key] = nil
        }
    }
}
