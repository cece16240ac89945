import DequeModule
import Synchronization

/// Deliveries a subscription took from its broker in one step but has not handed to its consumer yet:
/// what lets `next()` hand out one delivery at a time without one broker round trip each.
///
/// The batch it asks for adapts like a congestion window: it starts at one, doubles (up to ``maximum``)
/// each time the consumer used up the last batch within ``maximumAge``, halves when it took longer, and
/// falls back to one when deliveries sat in the buffer longer than that. Those stale deliveries are given back to the broker without
/// counting as an attempt (the consumer never saw them), so a slow consumer neither holds events that
/// competing members could handle nor runs down their ack deadlines. Bounded by ``maximum`` and, as all
/// deliveries are, by the member's prefetch.
package final class ReadAhead: Sendable {
    /// The most deliveries taken ahead in one step: a share of the prefetch (a quarter unless the broker
    /// says otherwise), at most `largestBatch` (64 unless the broker says otherwise).
    package let maximum: Int
    /// How long deliveries may wait here before they are given back: 100 ms, or a quarter of the ack
    /// deadline if that is shorter (so a delivery never waits here long enough to run out its deadline).
    package let maximumAge: Duration

    private struct State {
        var buffered: Deque<Delivery> = []
        var takenAt: Moment
        var window = 1
    }

    // Mutex: `next()`, `drain()` and `close()` of one subscription may run on different tasks.
    private let state: Mutex<State>
    /// The clock ages are read from: the broker's (a simulation's stands still while tasks run).
    private let time: TimeSource

    /// A buffer sized for a subscription with `options`; a broker whose every take is a round trip to a
    /// server may allow a `largestBatch` above the default 64, and a larger `prefetchShare` of the
    /// prefetch than the default quarter.
    /// Ages are read from `time` (default the system's continuous clock).
    package init(for options: SubscriptionOptions, largestBatch: Int = 64, prefetchShare: Double = 0.25, time: TimeSource = .system) {
        self.time = time
        self.state = Mutex(State(takenAt: time.now))
        self.maximum = min(largestBatch, max(1, Int(Double(options.prefetch) * min(1, max(0, prefetchShare)))))
        self.maximumAge = min(.milliseconds(100), options.ackDeadline / 4)
    }

    /// What ``pop()`` found.
    package enum Popped {
        /// A buffered delivery to hand out.
        case delivery(Delivery)
        /// Nothing buffered: take `batch` deliveries from the broker.
        case empty(batch: Int)
        /// Deliveries that waited too long: give them back, then take `batch` fresh ones.
        case stale([Delivery], batch: Int)
    }

    /// The next buffered delivery, or what to do instead.
    package func pop() -> Popped {
        let now = time.now
        return state.withLock { state in
            let isRecent = now.sinceOrigin - state.takenAt.sinceOrigin <= maximumAge
            guard let first = state.buffered.first else {
                // The last batch was used up: in time, take more next; slowly, take fewer.
                state.window = isRecent ? min(maximum, state.window * 2) : max(1, state.window / 2)
                return .empty(batch: state.window)
            }
            guard isRecent else {
                let stale = Array(state.buffered)
                state.buffered.removeAll()
                state.window = 1
                return .stale(stale, batch: 1)
            }
            state.buffered.removeFirst()
            return .delivery(first)
        }
    }

    /// Keeps `deliveries` (taken just now) for the next calls.
    package func store(_ deliveries: ArraySlice<Delivery>) {
        let now = time.now
        state.withLock { state in
            state.buffered.append(contentsOf: deliveries)
            state.takenAt = now
        }
    }

    /// The next delivery: a buffered one, else the first of a batch `take` gets from the broker (the rest
    /// kept here); buffered deliveries that waited too long go to `giveBack` first.
    ///
    /// - Throws: what `take` throws.
    package func next(
        giveBack: ([Delivery]) async -> Void,
        take: (_ batch: Int) async throws -> [Delivery]
    ) async throws -> Delivery? {
        let batch: Int
        switch pop() {
        case .delivery(let delivery):
            return delivery
        case .empty(let size):
            batch = size
        case .stale(let deliveries, let size):
            await giveBack(deliveries)
            batch = size
        }
        let taken = try await take(batch)
        store(taken.dropFirst())
        return taken.first
    }

    /// Up to `maximum` deliveries: the buffered ones if there are any, else what `take` gets from the
    /// broker.
    ///
    /// - Throws: what `take` throws.
    package func next(upTo maximum: Int, take: (_ maximum: Int) async throws -> [Delivery]) async throws -> [Delivery] {
        let buffered = self.take(upTo: maximum)
        if !buffered.isEmpty { return buffered }
        return try await take(maximum)
    }

    /// Up to `maximum` buffered deliveries, oldest first.
    package func take(upTo maximum: Int) -> [Delivery] {
        state.withLock { state in
            var taken: [Delivery] = []
            while taken.count < maximum, let first = state.buffered.popFirst() { taken.append(first) }
            return taken
        }
    }

    /// Empties the buffer, returning what it held.
    package func removeAll() -> [Delivery] {
        state.withLock { state in
            defer { state.buffered.removeAll() }
            return Array(state.buffered)
        }
    }
}
