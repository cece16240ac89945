import Foundation
import Herald
import Logging
import NIOCore
import ServiceLifecycle

/// Runs an orchestrated saga (a process manager): each instance, keyed by correlation id, reacts to the
/// events of its current step, sends the next step's command, arms the step's timeout as a durable
/// timer, and when a step fails or times out sends the completed steps' compensations in reverse order.
///
/// Each instance's state is kept in its own event-store stream (``SagaDefinition/stream(for:)``), every
/// change appended with the revision it was decided on, so two processes handling events of one instance
/// cannot both change it (the loser loads again and decides again). An event already handled changes
/// nothing (a duplicate); an event that is not for the current step (a late completion, a timeout of a
/// finished step, anything after the end) changes nothing either, so duplicates and reordering cannot
/// break an instance. Commands have ids made from the instance and the step, and are sent again when the
/// event of the last change is delivered again (the process may have stopped between recording and
/// sending), so sending is at least once and receiving, with de-duplication, once.
public final class SagaOrchestrator: Service {
    /// The type of the timeout events the orchestrator's timers publish.
    public static let timeoutType = "herald.saga.timeout.v1"

    /// The saga.
    public let definition: SagaDefinition
    /// Where instances' states are kept.
    public let store: any EventStore
    /// The topics whose events the saga reacts to (``run()`` subscribes to them and to ``timeoutTopic``).
    public let topics: [String]
    /// Where its timers publish timeouts.
    public let timeoutTopic: String
    /// The consumer group ``run()`` reads with.
    public let group: String
    private let broker: any Broker
    private let timers: TimerService?
    private let logger: Logger

    /// An orchestrator of `definition`, keeping states in `store`, sending commands through `broker`
    /// and arming timeouts with `timers` (steps with a timeout need it).
    public init(
        _ definition: SagaDefinition, store: any EventStore, broker: any Broker, timers: TimerService? = nil, listeningTo topics: [String],
        timeoutTopic: String = "saga-timeouts", group: String? = nil, logger: Logger = Logger(label: "herald.saga")
    ) {
        self.definition = definition
        self.store = store
        self.broker = broker
        self.timers = timers
        self.topics = topics
        self.timeoutTopic = timeoutTopic
        self.group = group ?? "saga-\(definition.name)"
        self.logger = logger
    }

    /// The state of instance `correlationID`, `nil` when it never started.
    ///
    /// - Throws: ``EventStoreError``; a decoding error for a damaged state.
    public func state(of correlationID: String) async throws -> SagaState? {
        try await load(correlationID)?.transition.state
    }

    /// Reads the topics and the timeouts with ``group`` and handles every event, acknowledging it once
    /// handled; an event whose handling fails is returned for redelivery. Runs until cancelled or
    /// graceful shutdown.
    ///
    /// - Throws: ``BrokerError`` when a subscription cannot be made.
    public func run() async throws {
        var subscriptions: [Subscription] = []
        for topic in topics + [timeoutTopic] {
            subscriptions.append(try await broker.subscribe(to: topic, group: group, options: SubscriptionOptions(startPosition: .earliest)))
        }
        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions {
                group.addTask { await self.consume(subscription) }
            }
            try? await gracefulShutdown()
            for subscription in subscriptions { await subscription.close() }
        }
    }

    private func consume(_ subscription: Subscription) async {
        do {
            for try await delivery in subscription {
                do {
                    try await handle(delivery.event)
                    try await delivery.ack()
                } catch {
                    logger.error(
                        "a saga event could not be handled; it is delivered again",
                        metadata: ["herald.saga": "\(definition.name)", "herald.event.id": "\(delivery.event.id)", "herald.error": "\(error)"])
                    try? await delivery.nack()
                }
            }
        } catch {
            logger.error("a saga subscription ended", metadata: ["herald.saga": "\(definition.name)", "herald.error": "\(error)"])
        }
    }

    // MARK: Handling

    /// Handles one event: starts an instance, moves it on, compensates, or changes nothing. Returns the
    /// instance's state afterwards, `nil` when the event belongs to no instance of this saga.
    ///
    /// - Throws: ``EventStoreError``, ``BrokerError``, ``TimerError``; what a step's command builder throws.
    @discardableResult
    public func handle(_ event: Event) async throws -> SagaState? {
        guard let correlationID = correlation(of: event) else { return nil }
        for _ in 0..<16 {
            let loaded = try await load(correlationID)
            var plan = Plan()
            if let loaded {
                if loaded.transition.state.handledEvents.contains(event.id) {
                    // Delivered again before the next change: the process may have stopped after recording
                    // the change and before sending its commands or arming its timer.
                    if loaded.transition.cause == event.id { try await resume(loaded.transition) }
                    return loaded.transition.state
                }
                var state = loaded.transition.state
                guard state.status == .running, decide(event, &state, &plan) else {
                    return loaded.transition.state
                }
                if let recorded = try await record(state, cause: event, plan: plan, after: loaded.revision) { return recorded }
            } else {
                guard event.type == definition.startedBy else { return nil }
                var state = SagaState(correlationID: correlationID, facts: ["start": String(buffer: event.data ?? ByteBuffer())])
                state.trace.append("started by \(event.type) (\(event.id))")
                try start(&state, &plan)
                if let recorded = try await record(state, cause: event, plan: plan, after: nil) { return recorded }
            }
        }
        throw EventStoreError.unavailable("saga \(definition.name) instance \(correlationID) changed under 16 attempts in a row; deliver the event again")
    }

    /// What a change does besides recording the new state.
    private struct Plan {
        var commands: [SagaCommand] = []
        var timeout: (step: Int, after: Duration)?
        var cancelTimeout: Int?
    }

    /// Applies `event` to a running instance; `false` when it is not for the current step.
    private func decide(_ event: Event, _ state: inout SagaState, _ plan: inout Plan) -> Bool {
        let index = state.step
        guard definition.steps.indices.contains(index) else { return false }
        let step = definition.steps[index]
        if event.type == Self.timeoutType {
            guard String(buffer: event.data ?? ByteBuffer()) == String(index) else { return false }
            compensate(&state, &plan, reason: "step \(step.name) timed out")
            return true
        }
        if step.failedBy.contains(event.type) {
            plan.cancelTimeout = index
            compensate(&state, &plan, reason: "step \(step.name) failed: \(event.type) (\(event.id))")
            return true
        }
        guard step.completedBy.contains(event.type) else { return false }
        plan.cancelTimeout = index
        state.completed.append(step.name)
        state.facts[step.name] = String(buffer: event.data ?? ByteBuffer())
        state.trace.append("step \(step.name) completed by \(event.type) (\(event.id))")
        state.step += 1
        do {
            try start(&state, &plan)
        } catch {
            compensate(&state, &plan, reason: "the command of step \(state.step) could not be made: \(error)")
        }
        return true
    }

    /// Sends the current step's command and arms its timeout, or completes the instance after the last.
    private func start(_ state: inout SagaState, _ plan: inout Plan) throws {
        guard definition.steps.indices.contains(state.step) else {
            state.status = .completed
            state.trace.append("completed")
            return
        }
        let step = definition.steps[state.step]
        plan.commands.append(try stamped(step.command(context(state, step: step.name, undo: false)), state))
        if let timeout = step.timeout { plan.timeout = (state.step, timeout) }
        state.trace.append("step \(step.name) started")
    }

    /// Sends the compensations of the completed steps, newest first, and ends the instance.
    private func compensate(_ state: inout SagaState, _ plan: inout Plan, reason: String) {
        state.trace.append(reason)
        for name in state.completed.reversed() {
            guard let step = definition.steps.first(where: { $0.name == name }), let compensation = step.compensation else { continue }
            do {
                plan.commands.append(try stamped(compensation(context(state, step: name, undo: true)), state))
                state.trace.append("step \(name) compensated")
            } catch {
                state.trace.append("step \(name) could not be compensated: \(error)")
                logger.error(
                    "a saga compensation could not be made",
                    metadata: ["herald.saga": "\(definition.name)", "herald.correlation": "\(state.correlationID)", "herald.error": "\(error)"])
            }
        }
        state.status = .compensated
    }

    /// Records the change (expecting the revision it was decided on), then sends its commands and sets
    /// its timers; returns the state recorded, `nil` when another change came first (decide again).
    private func record(_ newState: SagaState, cause: Event, plan: Plan, after revision: UInt64?) async throws -> SagaState? {
        var state = newState
        state.handledEvents.append(cause.id)
        if state.handledEvents.count > SagaState.rememberedEvents { state.handledEvents.removeFirst(state.handledEvents.count - SagaState.rememberedEvents) }
        let commands = try plan.commands.map { try caused($0, by: cause.id) }
        let transition = try SagaTransition(state: state, cause: cause.id, commands: commands)
        let next = revision.map { $0 + 1 } ?? 0
        do {
            _ = try await store.append(
                [try transition.event(saga: definition.name, revision: next)], to: definition.stream(for: state.correlationID),
                expecting: revision.map(ExpectedRevision.exact) ?? .noStream)
        } catch is WrongExpectedRevisionError {
            return nil
        }
        if let step = plan.cancelTimeout { _ = try await timers?.cancel(timerID(state.correlationID, step: step)) }
        try await send(commands)
        if let (step, after) = plan.timeout { try await arm(state.correlationID, step: step, after: after, cause: cause.id) }
        return state
    }

    /// Sends a recorded change's commands again and arms the current step's timeout again.
    private func resume(_ transition: SagaTransition) async throws {
        try await send(try transition.sagaCommands())
        let state = transition.state
        guard state.status == .running, definition.steps.indices.contains(state.step), let after = definition.steps[state.step].timeout else { return }
        try await arm(state.correlationID, step: state.step, after: after, cause: transition.cause)
    }

    private func arm(_ correlationID: String, step: Int, after: Duration, cause: String) async throws {
        guard let timers else {
            throw TimerError(code: .invalidTimer, message: "saga \(definition.name)'s step \(step) has a timeout but the orchestrator has no TimerService")
        }
        let id = timerID(correlationID, step: step)
        var timeout = try Event(id: id, source: "/herald/saga/\(definition.name)", type: Self.timeoutType, data: ByteBuffer(string: String(step)))
        try timeout.setExtension(ExtensionAttributeName.correlationID.rawValue, to: correlationID)
        try timeout.setExtension(ExtensionAttributeName.causationID.rawValue, to: cause)
        try await timers.schedule(timeout, on: timeoutTopic, after: after, id: id)
    }

    private func send(_ commands: [SagaCommand]) async throws {
        for command in commands { _ = try await broker.publish([command.event], to: command.topic) }
    }

    // MARK: Support

    private func correlation(of event: Event) -> String? {
        let stamped = event.extensionValue(ExtensionAttributeName.correlationID.rawValue)
        return event.type == definition.startedBy ? stamped ?? event.id : stamped
    }

    private func context(_ state: SagaState, step: String, undo: Bool) -> SagaContext {
        SagaContext(
            correlationID: state.correlationID, commandID: "\(state.correlationID):\(definition.name):\(step)\(undo ? ":undo" : "")", facts: state.facts)
    }

    /// The command with the instance's correlation id (and the saga as its cause, when it has none).
    private func stamped(_ command: SagaCommand, _ state: SagaState) throws -> SagaCommand {
        var command = command
        try command.event.setExtension(ExtensionAttributeName.correlationID.rawValue, to: state.correlationID)
        return command
    }

    /// The command with `cause` (the event the change was decided on) as its cause, when it has none: the
    /// chain a trace follows.
    private func caused(_ command: SagaCommand, by cause: String) throws -> SagaCommand {
        var command = command
        if command.event.extensionValue(ExtensionAttributeName.causationID.rawValue) == nil {
            try command.event.setExtension(ExtensionAttributeName.causationID.rawValue, to: cause)
        }
        return command
    }

    private func timerID(_ correlationID: String, step: Int) -> String { "saga-\(definition.name)-\(correlationID)-\(step)" }

    private func load(_ correlationID: String) async throws -> (transition: SagaTransition, revision: UInt64)? {
        let stream = definition.stream(for: correlationID)
        guard let last = try await store.read(stream: stream, from: .end, direction: .backwards, limit: 1).first else { return nil }
        return (try SagaTransition.decode(last.event), last.revision)
    }
}
