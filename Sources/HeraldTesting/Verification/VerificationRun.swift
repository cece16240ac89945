import Foundation
import Herald
import Logging

/// One run of a scenario under one plan, inside a ``Simulation``: a fresh in-memory broker on the
/// simulated clock, wrapped in a ``FaultInjectingBroker``; the team's handlers built anew; the rewritten
/// scenario published on schedule; the consumers run (restarted after crashes) until every group has
/// settled every event, or until `settleLimit` of simulated time.
struct VerificationRun<State: Equatable & Sendable>: Sendable {
    let handlers: @Sendable (VerificationWorld) async throws -> VerifiedHandlers<State>
    let topics: [TopicConfiguration]
    let settleLimit: Duration
    let restartDelay: Duration
    let stallLimit: TimeInterval

    /// The simulated date of time zero, the same in every run.
    static var epoch: Date { Date(timeIntervalSince1970: 1_767_225_600) }

    func run(_ scenario: Scenario, plan: FaultPlan) async throws -> VerificationOutcome<State> {
        let simulation = Simulation(stallLimit: stallLimit)
        let clock = simulation.clock
        let handlers = handlers
        let topics = topics
        let settleLimit = settleLimit
        let restartDelay = restartDelay
        // The run's body; in-process retries draw their jitter from the seed.
        @Sendable func body() async throws -> VerificationOutcome<State> {
            let logger = Logger(label: "herald.verify", factory: { _ in SwiftLogNoOpLogHandler() })
            let base = InMemoryBroker(clock: clock, shutdownGracePeriod: .seconds(1), logger: logger)
            let journal = RunJournal(plan: plan, clock: clock)
            let broker = FaultInjectingBroker(base: base, journal: journal)
            let world = VerificationWorld(broker: broker, journal: journal, epoch: Self.epoch, logger: logger)
            let known = Set(topics.map(\.name))
            for topic in topics + scenario.topics.filter({ !known.contains($0) }).map({ TopicConfiguration(name: $0) }) {
                try await base.createTopic(topic)
            }
            let system = try await handlers(world)
            let copies = plan.plays(.competingConsumers) ? 2 : 1
            let groups = system.consumers.flatMap { consumer in consumer.topics.map { GroupReference(topic: $0, group: consumer.configuration.group) } }
            let (steps, injectedKinds) = ScenarioRewriter(plan: plan, epoch: Self.epoch).rewrite(scenario)
            var injected: [String: String] = [:]
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for consumer in system.consumers {
                    for index in 0..<copies {
                        tasks.addTask { try await Self.keepRunning(consumer, index: index, journal: journal, restartDelay: restartDelay) }
                    }
                }
                for step in steps {
                    let due = VirtualClock.Instant(offset: step.at)
                    if clock.now < due { try await clock.sleep(until: due) }
                    let receipt = try await base.publish(step.event, to: step.topic)
                    if let kind = injectedKinds[step.event.id], !receipt.isDuplicate || kind == .conflictingPayload {
                        injected[storedPosition(topic: receipt.topic, partition: receipt.partition, offset: receipt.offset)] = kind.rawValue
                    }
                }
                try await Self.waitUntilSettled(base, groups: groups, journal: journal, clock: clock, limit: settleLimit)
                tasks.cancelAll()
            }
            var unsettled: [String] = []
            for group in groups {
                let lag = try await base.lag(group: group.group, on: group.topic)
                if lag.totalPending > 0 || lag.partitions.contains(where: { $0.inFlight > 0 || $0.awaitingRedelivery > 0 }) {
                    unsettled.append("group '\(group.group)' on '\(group.topic)': \(lag.totalPending) pending")
                }
            }
            var deadLetters: [VerificationOutcome<State>.DeadLettered] = []
            let partitionCounts = Dictionary(try await base.topics().map { ($0.name, $0.partitions) }, uniquingKeysWith: { first, _ in first })
            for group in groups {
                let topic = try await base.describeGroup(group.group, on: group.topic).deadLetterTopic
                for partition in 0..<(partitionCounts[topic] ?? 0) {
                    deadLetters += try await Self.deadLetters(in: base, group: group, partition: partition)
                }
            }
            let state = try await system.state()
            let outcome = VerificationOutcome(
                state: state, effects: journal.effects, deadLetters: deadLetters, unsettled: unsettled, injected: injected, faults: plan.struckSites,
                dependencyCalls: journal.dependencyCalls, simulatedDuration: clock.now.offset)
            base.close()
            return outcome
        }
        return try await simulation.run { try await RetryJitter.$seed.withValue(plan.seed) { try await body() } }
    }

    /// The dead letters `group` left in one partition of its dead-letter topic.
    private static func deadLetters(
        in broker: InMemoryBroker, group: GroupReference, partition: Int
    ) async throws -> [VerificationOutcome<State>.DeadLettered] {
        try await broker.readDeadLetters(group: group.group, on: group.topic, partition: Partition(partition), limit: 100_000).compactMap { stored in
            guard let letter = stored.deadLetter else { return nil }
            return .init(
                eventID: letter.event.id, storedAt: storedPosition(topic: letter.originTopic, partition: letter.originPartition, offset: letter.originOffset),
                group: letter.group, failure: "\(letter.failure.errorType): \(letter.failure.message)")
        }
    }

    /// Runs `consumer` as instance `index` of its group until cancelled, restarting it `restartDelay` after
    /// each simulated crash.
    private static func keepRunning(_ consumer: Consumer, index: Int, journal: RunJournal, restartDelay: Duration) async throws {
        while !Task.isCancelled {
            let instance = ConsumerInstance(group: consumer.configuration.group, index: index)
            let running = Consumer(consumer, addingOutermost: AttributionMiddleware(instance: instance, journal: journal))
            let crashed = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await ConsumerInstance.$current.withValue(instance) { try await running.run() }
                    return false
                }
                group.addTask {
                    while !instance.isCrashed, !Task.isCancelled { await instance.crashSignal.wait() }
                    return instance.isCrashed
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            guard crashed else { return }
            try await journal.clock.sleep(until: journal.clock.now.advanced(by: restartDelay))
        }
    }

    /// Waits until every group is idle and no handler runs, twice in a row one simulated second apart (a
    /// copy handed out after the broker went idle is handled in between), or until `limit`.
    private static func waitUntilSettled(
        _ broker: InMemoryBroker, groups: [GroupReference], journal: RunJournal, clock: VirtualClock, limit: Duration
    ) async throws {
        let deadline = clock.now.advanced(by: limit)
        var quietChecks = 0
        while quietChecks < 2, clock.now < deadline {
            do {
                try await broker.waitUntilIdle(groups: groups, timeout: clock.now.duration(to: deadline))
            } catch is BrokerError {
                return
            }
            quietChecks = journal.inFlight == 0 ? quietChecks + 1 : 0
            try await clock.sleep(until: clock.now.advanced(by: .seconds(1)))
        }
    }
}
