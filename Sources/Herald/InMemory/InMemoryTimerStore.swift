import Foundation
import Synchronization

/// Timers in memory, for tests: nothing survives the process.
public final class InMemoryTimerStore: TimerStore {
    private struct State {
        var timers: [String: (timer: ScheduledEvent, sequence: UInt64)] = [:]
        var lastSequence: UInt64 = 0
    }

    // Mutex: the service and the schedulers come from any task.
    private let state = Mutex(State())

    /// No timers.
    public init() {}

    /// Stores `timers`, replacing pending ones of the same ids.
    public func schedule(_ timers: [ScheduledEvent]) async throws {
        state.withLock { state in
            for timer in timers {
                state.lastSequence += 1
                state.timers[timer.id] = (timer, state.lastSequence)
            }
        }
    }

    /// Removes pending timer `id`.
    public func cancel(_ id: String) async throws -> Bool {
        state.withLock { $0.timers.removeValue(forKey: id) != nil }
    }

    /// Moves pending timer `id` to `due`.
    public func reschedule(_ id: String, to due: Date) async throws -> Bool {
        state.withLock { state in
            guard var entry = state.timers[id] else { return false }
            entry.timer.due = due
            state.lastSequence += 1
            entry.sequence = state.lastSequence
            state.timers[id] = entry
            return true
        }
    }

    /// Up to `limit` timers due at or before `date`, earliest first (then in scheduling order).
    public func due(atOrBefore date: Date, limit: Int) async throws -> [ScheduledEvent] {
        state.withLock { state in
            state.timers.values.filter { $0.timer.due <= date }
                .sorted { ($0.timer.due, $0.sequence) < ($1.timer.due, $1.sequence) }
                .prefix(max(0, limit)).map(\.timer)
        }
    }

    /// Removes the fired timers still pending with the due time they were read with.
    public func remove(fired timers: [ScheduledEvent]) async throws {
        state.withLock { state in
            for timer in timers where state.timers[timer.id]?.timer.due == timer.due {
                state.timers[timer.id] = nil
            }
        }
    }

    /// The earliest due time.
    public func nextDue() async throws -> Date? {
        state.withLock { $0.timers.values.map(\.timer.due).min() }
    }

    /// How many are pending.
    public func pendingCount() async throws -> Int {
        state.withLock { $0.timers.count }
    }
}
