import struct Foundation.Date

/// Where durable timers wait until they are due: ``InMemoryTimerStore`` (tests), `PostgresTimerStore` (HeraldPostgres) and the embedded
/// store of `HeraldLog`. ``TimerService`` takes the due ones, publishes their events and removes them.
/// A store keeps pending timers on disk, not in memory, so a million of them cost no more memory than a
/// few.
public protocol TimerStore: Sendable {
    /// Stores `timers`; a timer whose id is pending already replaces it (a reschedule).
    ///
    /// - Throws: ``TimerError``.
    func schedule(_ timers: [ScheduledEvent]) async throws

    /// Removes the pending timer `id`; `false` when there is none (it fired, was cancelled, or never was).
    ///
    /// - Throws: ``TimerError``.
    func cancel(_ id: String) async throws -> Bool

    /// Moves the pending timer `id` to `due`; `false` when there is none.
    ///
    /// - Throws: ``TimerError``.
    func reschedule(_ id: String, to due: Date) async throws -> Bool

    /// Up to `limit` pending timers due at or before `date`, earliest first.
    ///
    /// - Throws: ``TimerError``.
    func due(atOrBefore date: Date, limit: Int) async throws -> [ScheduledEvent]

    /// Removes timers that fired, each only if it is still pending with the due time it was read with
    /// (one rescheduled meanwhile stays, to fire at its new time).
    ///
    /// - Throws: ``TimerError``.
    func remove(fired timers: [ScheduledEvent]) async throws

    /// The due time of the earliest pending timer, `nil` when none is pending.
    ///
    /// - Throws: ``TimerError``.
    func nextDue() async throws -> Date?

    /// How many timers are pending.
    ///
    /// - Throws: ``TimerError``.
    func pendingCount() async throws -> Int
}
