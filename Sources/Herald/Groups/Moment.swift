import struct Foundation.Date

/// A point on the continuous clock, kept as the time since a fixed origin of this process.
///
/// `ContinuousClock.Instant` and Foundation's `Date` come from modules built for library evolution, so a
/// type holding them has a layout known only at run time: every copy of a consumer group's per-event
/// state went through the runtime's value witnesses. `Duration` and `Double` are frozen; state built on
/// ``Moment`` and ``WallTime`` is laid out at compile time.
package struct Moment: Comparable, Hashable, Sendable {
    /// The process-wide origin.
    private static let origin = ContinuousClock.now

    /// Time since the origin.
    package var sinceOrigin: Duration

    /// The moment `sinceOrigin` after the origin: what a test of a ledger uses as its manual clock.
    package init(sinceOrigin: Duration) {
        self.sinceOrigin = sinceOrigin
    }

    /// The moment of `instant`.
    package init(_ instant: ContinuousClock.Instant) {
        self.sinceOrigin = instant - Self.origin
    }

    /// The current moment.
    package static var now: Moment { Moment(.now) }

    /// The clock's instant of this moment.
    package var instant: ContinuousClock.Instant { Self.origin + sinceOrigin }

    /// The moment `duration` later.
    package static func + (moment: Moment, duration: Duration) -> Moment {
        var later = moment
        later.sinceOrigin += duration
        return later
    }

    /// The time from `earlier` to `later` (negative when `later` is earlier).
    package static func - (later: Moment, earlier: Moment) -> Duration {
        later.sinceOrigin - earlier.sinceOrigin
    }

    /// Earlier first.
    package static func < (lhs: Moment, rhs: Moment) -> Bool {
        lhs.sinceOrigin < rhs.sinceOrigin
    }
}

/// A wall-clock time as seconds since 1970: a `Date` with a layout known at compile time (see ``Moment``).
package struct WallTime: Hashable, Sendable {
    /// Seconds since 00:00:00 UTC on 1 January 1970.
    package var secondsSince1970: Double

    /// The time of `date`.
    package init(_ date: Date) {
        self.secondsSince1970 = date.timeIntervalSince1970
    }

    /// The time `secondsSince1970` seconds after 00:00:00 UTC on 1 January 1970.
    package init(secondsSince1970: Double) {
        self.secondsSince1970 = secondsSince1970
    }

    /// The current time.
    package static var now: WallTime { WallTime(Date()) }

    /// The `Date`.
    package var date: Date { Date(timeIntervalSince1970: secondsSince1970) }
}
