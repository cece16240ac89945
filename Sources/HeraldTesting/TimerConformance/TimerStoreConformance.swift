import Foundation
import Herald
import NIOCore

/// The timer-store conformance suite: what every ``TimerStore`` must do, written once and run against
/// each backend.
///
/// ```swift
/// @Test(arguments: TimerStoreConformance.cases)
/// func conformance(_ testCase: TimerStoreConformance.Case) async throws {
///     try await testCase.run(TimerStoreConformance.Environment { InMemoryTimerStore() })
/// }
/// ```
public enum TimerStoreConformance {
    /// How the suite gets stores: an empty one per case.
    public struct Environment: Sendable {
        /// Makes an empty store.
        public let makeStore: @Sendable () async throws -> any TimerStore
        /// Releases a store the suite made. Default: nothing.
        public let closeStore: @Sendable (any TimerStore) async -> Void

        /// Creates an environment.
        public init(
            closeStore: @escaping @Sendable (any TimerStore) async -> Void = { _ in }, makeStore: @escaping @Sendable () async throws -> any TimerStore
        ) {
            self.makeStore = makeStore
            self.closeStore = closeStore
        }

        func withStore<T: Sendable>(_ body: (any TimerStore) async throws -> T) async throws -> T {
            try await withResource(make: makeStore, release: closeStore, body)
        }
    }

    /// One behaviour to check.
    public typealias Case = ConformanceCase<Environment>

    /// Every case.
    public static let cases: [Case] = [
        .init("timers come due in due order, never before their time, and a fired timer is removed", dueOrder),
        .init("the same id replaces a pending timer; cancel and reschedule say whether the timer was pending", replaceCancelReschedule),
        .init("a timer rescheduled after it was read is not removed as fired: it fires at its new time", rescheduledWhileFiring),
        .init("the event comes back exactly as scheduled", exactEvent),
    ]

    static let base = Date(timeIntervalSinceReferenceDate: 800_000_000)

    static func timer(_ id: String, at seconds: Double, topic: String = "reminders") throws -> ScheduledEvent {
        ScheduledEvent(
            id: id, topic: topic, event: try Event(id: "event-\(id)", source: "/conformance/timers", type: "conformance.timer.v1"),
            due: base.addingTimeInterval(seconds))
    }

    static func dueOrder(_ environment: Environment) async throws {
        try await environment.withStore { store in
            try await store.schedule([try timer("c", at: 30), try timer("a", at: 10), try timer("b", at: 20), try timer("a2", at: 10)])
            try checkEqual(try await store.pendingCount(), 4, "pending timers")
            try checkEqual(try await store.nextDue(), base.addingTimeInterval(10), "the next due time")
            try checkEqual(try await store.due(atOrBefore: base.addingTimeInterval(9.999), limit: 10).map(\.id), [], "nothing is due before its time")
            try checkEqual(
                try await store.due(atOrBefore: base.addingTimeInterval(20), limit: 10).map(\.id), ["a", "a2", "b"], "due order, then scheduling order")
            try checkEqual(try await store.due(atOrBefore: base.addingTimeInterval(60), limit: 2).map(\.id), ["a", "a2"], "a limited read takes the earliest")
            try await store.remove(fired: try await store.due(atOrBefore: base.addingTimeInterval(20), limit: 10))
            try checkEqual(try await store.due(atOrBefore: base.addingTimeInterval(60), limit: 10).map(\.id), ["c"], "fired timers are gone")
            try checkEqual(try await store.pendingCount(), 1, "pending after firing")
        }
    }

    static func replaceCancelReschedule(_ environment: Environment) async throws {
        try await environment.withStore { store in
            try await store.schedule([try timer("r", at: 10), try timer("x", at: 15)])
            try await store.schedule([try timer("r", at: 40)])
            try checkEqual(try await store.pendingCount(), 2, "a second schedule of an id replaces it")
            try checkEqual(try await store.due(atOrBefore: base.addingTimeInterval(20), limit: 10).map(\.id), ["x"], "the replaced timer moved")
            let cancelled = try await store.cancel("x")
            try check(cancelled, "cancelling a pending timer says so")
            let cancelledAgain = try await store.cancel("x")
            try check(!cancelledAgain, "cancelling it again says it is not pending")
            let moved = try await store.reschedule("r", to: base.addingTimeInterval(5))
            try check(moved, "rescheduling a pending timer says so")
            let movedUnknown = try await store.reschedule("nothing", to: base)
            try check(!movedUnknown, "rescheduling an unknown id says it is not pending")
            try checkEqual(
                try await store.due(atOrBefore: base.addingTimeInterval(5), limit: 10).map(\.id), ["r"], "the rescheduled timer is due at its new time")
        }
    }

    static func rescheduledWhileFiring(_ environment: Environment) async throws {
        try await environment.withStore { store in
            try await store.schedule([try timer("m", at: 10)])
            let read = try await store.due(atOrBefore: base.addingTimeInterval(10), limit: 10)
            let moved = try await store.reschedule("m", to: base.addingTimeInterval(50))
            try check(moved, "rescheduled while firing")
            try await store.remove(fired: read)
            try checkEqual(try await store.due(atOrBefore: base.addingTimeInterval(50), limit: 10).map(\.id), ["m"], "the rescheduled timer stays")
        }
    }

    static func exactEvent(_ environment: Environment) async throws {
        try await environment.withStore { store in
            let event = try Event(
                id: "exact-1", source: "/conformance/timers", type: "conformance.timer.v1", subject: "order A-17",
                time: Date(timeIntervalSince1970: 1_764_000_000.123_456),
                dataContentType: "application/json", extensions: ["correlationid": "saga-9"], data: ByteBuffer(string: "{ \"due\" : true }"))
            let due = base.addingTimeInterval(12.345_678_9)
            try await store.schedule([ScheduledEvent(id: "exact", topic: "payments.timeouts", event: event, due: due)])
            let read = try await store.due(atOrBefore: due, limit: 1)
            try checkEqual(read, [ScheduledEvent(id: "exact", topic: "payments.timeouts", event: event, due: due)], "the timer read back")
        }
    }
}
