import struct Foundation.Date

/// The time a broker or middleware runs on, read from the clock it was given: the monotonic time that
/// deadlines, delays and windows are measured in (as a ``Moment``), the wall-clock time recorded with
/// events and failures, and sleeping until a moment.
///
/// With `ContinuousClock` (the default everywhere) it is the system's time. With any other clock (a test's
/// manual clock) the wall-clock time is the time the source was made plus the clock's elapsed time, so
/// advancing the clock advances both.
package struct TimeSource: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let wall: @Sendable () -> WallTime
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// The system's time: `ContinuousClock` and `Date()`.
    package static let system = TimeSource(
        elapsed: { Moment.now.sinceOrigin },
        wall: { WallTime.now },
        sleeper: { try await Task.sleep(until: Moment(sinceOrigin: $0).instant, clock: .continuous) }
    )

    private init(
        elapsed: @escaping @Sendable () -> Duration,
        wall: @escaping @Sendable () -> WallTime,
        sleeper: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.elapsed = elapsed
        self.wall = wall
        self.sleeper = sleeper
    }

    /// The time of `clock`.
    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        if clock is ContinuousClock {
            self = .system
            return
        }
        let origin = clock.now
        let startedAt = Date()
        self.elapsed = { origin.duration(to: clock.now) }
        self.wall = { WallTime(startedAt.addingTimeInterval(origin.duration(to: clock.now).timeInterval)) }
        self.sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// Now, on the monotonic clock.
    package var now: Moment { Moment(sinceOrigin: elapsed()) }

    /// Now, on the wall clock.
    package var date: WallTime { wall() }

    /// Sleeps until `moment`. - Throws: `CancellationError` when the task is cancelled.
    package func sleep(until moment: Moment) async throws {
        try await sleeper(moment.sinceOrigin)
    }

    /// Sleeps for `duration` from now. - Throws: `CancellationError` when the task is cancelled.
    package func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}
