import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Durable timers and scheduled events: ``schedule(_:on:at:id:)`` keeps an event in a ``TimerStore``
/// until its time, and the service (a ServiceLifecycle `Service`) publishes it to its topic then — once,
/// after its time, across restarts and crashes: a timer is removed only after its event is published, and
/// a crash between the two publishes it again with the same event id, which the broker's de-duplication
/// window drops. Timers can be cancelled and rescheduled by id until they fire.
///
/// Time runs on the injected clock (wall time for due dates), so tests advance a manual clock. A topic
/// that refuses a publish does not hold the others up: its due timers are logged and retried after
/// ``retryDelay``.
public final class TimerService: Service {
    /// Where the timers wait.
    public let store: any TimerStore
    /// Timers taken and published per step.
    public let batchSize: Int
    /// How long a timer whose publish failed waits before it is tried again.
    public let retryDelay: Duration
    private let broker: any Broker
    private let time: TimeSource
    private let logger: Logger
    private let wake = AsyncSignal()
    private let fired: Counter
    private let lateness: Metrics.Timer

    /// A service firing `store`'s timers into `broker`.
    public init(
        store: any TimerStore, broker: any Broker, batchSize: Int = 500, retryDelay: Duration = .seconds(5), clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.timers"), metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.broker = broker
        self.batchSize = max(1, batchSize)
        self.retryDelay = retryDelay
        self.time = TimeSource(clock)
        self.logger = logger
        self.fired = Counter(label: "herald_timers_fired_total", factory: metrics)
        self.lateness = Metrics.Timer(label: "herald_timer_lateness", factory: metrics)
    }

    /// Now, on the service's clock.
    public var now: Date { time.date.date }

    // MARK: Scheduling

    /// Schedules `event` to be published to `topic` at `due`, as timer `id` (default: the event's id);
    /// the same id again reschedules it. Returns the timer.
    ///
    /// - Throws: ``TimerError``.
    @discardableResult
    public func schedule(_ event: Event, on topic: String, at due: Date, id: String? = nil) async throws -> ScheduledEvent {
        let timer = ScheduledEvent(id: id ?? event.id, topic: topic, event: event, due: due)
        try await schedule([timer])
        return timer
    }

    /// Schedules `event` to be published to `topic` `delay` from now on the service's clock.
    ///
    /// - Throws: ``TimerError``.
    @discardableResult
    public func schedule(_ event: Event, on topic: String, after delay: Duration, id: String? = nil) async throws -> ScheduledEvent {
        try await schedule(event, on: topic, at: now.addingTimeInterval(delay.timeInterval), id: id)
    }

    /// Schedules `timers` in one step.
    ///
    /// - Throws: ``TimerError``.
    public func schedule(_ timers: [ScheduledEvent]) async throws {
        for timer in timers { try TimerError.validate(timer) }
        try await store.schedule(timers)
        wake.notify()
    }

    /// Cancels timer `id`; `false` when it is not pending (it fired, or there is none).
    ///
    /// - Throws: ``TimerError``.
    public func cancel(_ id: String) async throws -> Bool {
        try await store.cancel(id)
    }

    /// Moves timer `id` to `due`; `false` when it is not pending. A timer that is firing at that moment
    /// may fire at both times (with the same event id, which the broker's de-duplication drops).
    ///
    /// - Throws: ``TimerError``.
    public func reschedule(_ id: String, to due: Date) async throws -> Bool {
        let moved = try await store.reschedule(id, to: due)
        if moved { wake.notify() }
        return moved
    }

    // MARK: Firing

    /// Fires due timers until the task is cancelled or graceful shutdown; waits for the next due time,
    /// an earlier timer's scheduling, or a second (another process may share the store).
    ///
    /// - Throws: ``TimerError`` when the store fails.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = try await self.fireDue()
                let next = try await self.store.nextDue()
                var wait = Duration.seconds(1)
                if let next { wait = min(wait, .seconds(max(0, next.timeIntervalSince(self.now)))) }
                await self.wake.wait(until: self.time.now + wait, on: self.time)
            }
        }
    }

    /// Publishes every timer due now, in due order, and removes it; returns how many fired. A topic
    /// whose publish fails has its timers moved ``retryDelay`` later (logged).
    ///
    /// - Throws: ``TimerError`` when the store fails.
    @discardableResult
    public func fireDue() async throws -> Int {
        var total = 0
        while true {
            let now = self.now
            let due = try await store.due(atOrBefore: now, limit: batchSize)
            guard !due.isEmpty else { return total }
            var published: [ScheduledEvent] = []
            for (topic, timers) in Self.byTopic(due) {
                do {
                    _ = try await broker.publish(timers.map(\.event), to: topic)
                    published += timers
                } catch {
                    logger.error(
                        "timers could not be published; they are tried again later",
                        metadata: ["herald.topic": "\(topic)", "herald.timers": "\(timers.count)", "herald.error": "\(error)"])
                    let retry = now.addingTimeInterval(retryDelay.timeInterval)
                    for timer in timers { _ = try await store.reschedule(timer.id, to: retry) }
                }
            }
            try await store.remove(fired: published)
            for timer in published {
                lateness.recordNanoseconds(Int64(max(0, now.timeIntervalSince(timer.due)) * 1e9))
            }
            fired.increment(by: published.count)
            total += published.count
            if due.count < batchSize { return total }
        }
    }

    /// `timers` grouped by topic, each group in due order, the groups in the order of their first timer.
    private static func byTopic(_ timers: [ScheduledEvent]) -> [(String, [ScheduledEvent])] {
        var order: [String] = []
        var groups: [String: [ScheduledEvent]] = [:]
        for timer in timers {
            if groups[timer.topic] == nil { order.append(timer.topic) }
            groups[timer.topic, default: []].append(timer)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }
}
