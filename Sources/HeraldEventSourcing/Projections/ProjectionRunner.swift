import Foundation
import Herald
import Logging
import Metrics
import Synchronization

/// Feeds a ``Projection`` from an event store: rebuilds it from zero or as of a point in time, or runs it
/// live from its checkpoint, saving model and checkpoint together every `saveEvery` events.
public struct ProjectionRunner<Model: Projection & Codable>: Sendable {
    /// The store read.
    public let store: any EventStore
    /// Where the model and checkpoint are saved.
    public let checkpoints: any ProjectionCheckpoints
    /// Events applied between saves of model and checkpoint.
    public let saveEvery: Int
    private let progress = Progress()
    private let logger: Logger
    /// `herald_projection_lag{projection}`: positions behind the store's head, set at each save.
    private let lagGauge: Gauge
    /// `herald_projection_events_total{projection}`: events applied.
    private let appliedCounter: Counter

    /// The lag gauge's label.
    public static var lagLabel: String { "herald_projection_lag" }

    /// The runner's state, shared between its run and whoever asks for the lag.
    private final class Progress: Sendable {
        // Mutex: the run updates it, `lag()` and `status()` read it from other tasks.
        let applied = Mutex<(position: UInt64?, recordedAt: Date?)>((nil, nil))
    }

    /// A runner of `Model` on `store`, saving to `checkpoints` every `saveEvery` events.
    /// Metrics go to `metrics` (default: the bootstrapped metrics system).
    public init(
        store: any EventStore, checkpoints: any ProjectionCheckpoints, saveEvery: Int = 100, logger: Logger = Logger(label: "herald.projection"),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.checkpoints = checkpoints
        self.saveEvery = max(1, saveEvery)
        self.logger = logger
        self.lagGauge = Gauge(label: Self.lagLabel, dimensions: [("projection", Model.name)], factory: metrics)
        self.appliedCounter = Counter(label: "herald_projection_events_total", dimensions: [("projection", Model.name)], factory: metrics)
    }

    /// The model built from every event recorded at or before `date` (`nil`: every event): the state as it
    /// was then, whatever came after. Reads the whole global order; saves nothing.
    ///
    /// - Throws: ``EventStoreError``; what ``Projection/apply(_:)`` throws.
    public func rebuild(asOf date: Date? = nil) async throws -> Model {
        var model = Model()
        var from: UInt64 = 0
        while true {
            let page = try await store.readAll(from: from, limit: 500)
            for recorded in page where date.map({ recorded.recordedAt <= $0 }) ?? true {
                try model.apply(recorded)
            }
            guard let last = page.last else { return model }
            from = last.position + 1
        }
    }

    /// Runs the projection live until the task is cancelled: from its saved model and checkpoint (or from
    /// zero), every later event once, in order; saves every ``saveEvery`` events, and what is unsaved when
    /// it stops, setting the lag gauge (``lagLabel``) at each save. `onApplied` sees the model after each event (for tests and metrics).
    ///
    /// - Throws: ``EventStoreError``; what ``Projection/apply(_:)`` throws (after saving what came before).
    public func run(onApplied: @Sendable (Model, RecordedEvent) async -> Void = { _, _ in }) async throws {
        var model = Model()
        var position: UInt64?
        if let saved = try await checkpoints.load(Model.name) {
            model = try JSONDecoder().decode(Model.self, from: saved.model)
            position = saved.position
        }
        progress.applied.withLock { $0 = (position, nil) }
        var unsaved = 0
        do {
            for try await recorded in store.subscribeToAll(after: position) {
                try model.apply(recorded)
                position = recorded.position
                progress.applied.withLock { $0 = (recorded.position, recorded.recordedAt) }
                appliedCounter.increment()
                unsaved += 1
                if unsaved >= saveEvery {
                    try await save(model, at: recorded.position)
                    unsaved = 0
                }
                await onApplied(model, recorded)
            }
        } catch {
            if unsaved > 0, let position { try? await save(model, at: position) }
            logger.error("projection stopped", metadata: ["herald.projection": "\(Model.name)", "herald.error": "\(error)"])
            throw error
        }
        if unsaved > 0, let position { try await save(model, at: position) }
    }

    /// How many positions the projection is behind the store's head (0 when caught up or empty).
    ///
    /// - Throws: ``EventStoreError``.
    public func lag() async throws -> UInt64 {
        try await status().positionsBehind
    }

    /// Where the live run stands against the store's head.
    ///
    /// - Throws: ``EventStoreError``.
    public func status() async throws -> ProjectionStatus {
        let head = try await store.headPosition()
        let applied = progress.applied.withLock { $0 }
        return ProjectionStatus(name: Model.name, position: applied.position, headPosition: head, lastAppliedRecordedAt: applied.recordedAt, observedAt: Date())
    }

    /// Reports this runner's ``status()`` to `monitor` (the server's `GET /projections`) under the
    /// projection's name.
    public func report(to monitor: ProjectionMonitor) {
        monitor.watch(Model.name) { try await self.status() }
    }

    private func save(_ model: Model, at position: UInt64) async throws {
        try await checkpoints.save(Model.name, model: try JSONEncoder().encode(model), position: position)
        if let lag = try? await lag() { lagGauge.record(Double(lag)) }
    }
}
