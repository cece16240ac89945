import Synchronization

/// Simulated time for ``Simulation``: a clock that moves only when the simulation has nothing left to
/// run, and then straight to the earliest deadline anyone sleeps until. Sleepers with the same deadline
/// wake in the order they went to sleep, so a run is the same on every machine.
public final class VirtualClock: Clock, Sendable {
    /// A point in simulated time: how far it is from the simulation's start.
    public typealias Instant = ManualClock.Instant

    private struct Sleeper {
        var deadline: Instant
        var order: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var lastOrder: UInt64 = 0
    }

    // Mutex: sleepers register from the simulation's jobs; the simulation's run loop advances the clock
    // between them; a test may read `now` from outside.
    private let state = Mutex(State())

    /// A clock at the simulation's start.
    public init() {}

    /// The current simulated time.
    public var now: Instant { state.withLock { $0.now } }

    /// Simulated time has no resolution limit.
    public var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on the clock.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the clock reaches `deadline` (at once when it has), or throws `CancellationError`
    /// when the task is cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let order = state.withLock { state -> UInt64 in
            state.lastOrder &+= 1
            return state.lastOrder
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    let sleeper = Sleeper(deadline: deadline, order: order, continuation: continuation)
                    let index = state.sleepers.partitioningIndex { ($0.deadline, $0.order) > (deadline, order) }
                    state.sleepers.insert(sleeper, at: index)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.order == order }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock to the earliest deadline and wakes its sleeper; `false` when nobody sleeps.
    func advanceToNextDeadline() -> Bool {
        let woken = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.sleepers.isEmpty else { return nil }
            let sleeper = state.sleepers.removeFirst()
            state.now = max(state.now, sleeper.deadline)
            return sleeper.continuation
        }
        woken?.resume()
        return woken != nil
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, for an array partitioned by it (binary search).
    fileprivate func partitioningIndex(where belongsAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
