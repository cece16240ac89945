import DequeModule
import Herald
import Logging
import Synchronization

import struct Foundation.Date

/// The machinery of one consumer group in one ``NATSBroker``: it pulls the group's messages from its
/// durable consumers (one per partition stream) into a bounded local buffer, hands them to the local
/// members, applies their settlements, keeps what it holds alive on the server, and moves failed
/// messages to dead letters.
///
/// One runtime serves every subscriber of the group in the process, so that per-key order and the
/// prefetch bounds are kept across them. It starts with the first subscriber and ends with the last.
///
/// The pull inbox's messages are handled on the client's event loop as they arrive (short state changes;
/// sends run in tasks). Tasks: one waits for the end of the pull inbox (one per epoch of the inbox: a seek
/// replaces it), one runs the periodic maintenance. Neither blocks a thread; both end when the runtime
/// closes.
///
/// Closing returns everything held to the server in an order that lets JetStream redeliver it at once
/// (see ``close(returning:)``).
final class GroupRuntime: Sendable {
    let broker: NATSBroker
    let settings: GroupRuntimeSettings
    let id: UInt64
    private let logger: Logger
    // Mutex: members, settlements, the reader and the maintenance task change the state in short
    // sections that return effects; effects (sends, wake-ups, dead letters) run after it is released.
    private let state: Mutex<GroupRuntimeState>
    private let maintenance = Mutex<Task<Void, Never>?>(nil)
    /// The current inbox and its reader.
    private let inbox = Mutex<(subscription: NATSSubscription, reader: Task<Void, Never>)?>(nil)
    // Atomic: set once by the broker's graceful shutdown, read by the members' sources.
    private let drainingForShutdown = Atomic(false)
    /// Whether the broker drained every member for a graceful shutdown (see ``drainAll()``).
    var isDrainingForShutdown: Bool { drainingForShutdown.load(ordering: .relaxed) }
    /// The shutdown, once ``close(returning:)`` started it.
    private let closing = Mutex<Task<Void, Never>?>(nil)
    // Mutex: only the inbox's messages, handled one batch after another on the event loop, use it (never
    // contended); it lends the events' attribute strings from one message to the next.
    private let recentStrings = Mutex(RecentStrings())

    /// A runtime; `history` is what an earlier runtime of the group in this process remembered of the
    /// messages it returned to the server.
    init(broker: NATSBroker, settings: GroupRuntimeSettings, id: UInt64, history: GroupHistory?, logger: Logger) {
        self.broker = broker
        self.settings = settings
        self.id = id
        var logger = logger
        logger[metadataKey: LogKey.topic] = "\(settings.topic)"
        logger[metadataKey: LogKey.group] = "\(settings.group)"
        self.logger = logger
        self.state = Mutex(GroupRuntimeState(settings: settings, history: history))
    }

    private var jetStream: JetStream { broker.jetStream }

    // MARK: Life

    /// Subscribes the first inbox and starts the maintenance task.
    func start() async throws {
        try await openInbox()
        let interval = max(min(settings.ackDeadline / 4, .seconds(1)), .milliseconds(10))
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.maintain()
            }
        }
        maintenance.withLock { $0 = task }
    }

    /// Subscribes a new inbox, starts its reader and sends the first pull requests.
    private func openInbox() async throws {
        let inbox = broker.client.newInbox()
        let subscription = try broker.client.subscribe(
            "\(inbox).>",
            // Pull requests bound what arrives; these limits only guard against a misbehaving server (what
            // they drop comes back after the ack deadline).
            limits: NATSSubscriptionLimits(maximumMessages: 65_536, maximumBytes: 256 << 20),
            // Handled on the event loop as they arrive: a hop to a reader task per message would cost
            // more than the state change.
            onMessages: { [weak self] messages in self?.receive(messages, from: inbox) }
        )
        // The reader waits for the end of the subscription (after a seek replaced it, or after the close
        // drained it); the messages go to receive.
        let reader = Task { [weak self] in
            do {
                for try await _ in subscription {}
            } catch {
                self?.logger.error("the group's pull inbox failed", metadata: [LogKey.error: "\(error)"])
            }
        }
        let replaced = self.inbox.withLock { current in
            defer { current = (subscription, reader) }
            return current
        }
        replaced?.subscription.unsubscribe()
        var effects = RuntimeEffects()
        state.withLock { $0.resume(inbox: inbox, now: .now, effects: &effects) }
        await run(effects)
    }

    /// Adds a member; `false` when the runtime has closed meanwhile (make a new one).
    func join(_ member: UInt64, signal: AsyncSignal, prefetch: Int) async -> Bool {
        let (joined, pulls) = state.withLock { state -> (Bool, [PullIssue]) in
            guard state.join(member, signal: signal, prefetch: prefetch) else { return (false, []) }
            return (true, state.planPulls(now: .now))
        }
        if joined { await run(RuntimeEffects(pulls: pulls)) }
        return joined
    }

    /// Stops handing deliveries to a member.
    func drain(_ member: UInt64) {
        let signal = state.withLock { state -> AsyncSignal? in
            state.drain(member)
            return state.members[member]?.signal
        }
        signal?.notify()
    }

    /// Stops handing deliveries to every member (the broker begins to shut down); they still settle.
    func drainAll() {
        drainingForShutdown.store(true, ordering: .relaxed)
        let signals = state.withLock { state -> [AsyncSignal] in
            for id in state.members.keys { state.drain(id) }
            return state.members.values.map { $0.signal }
        }
        for signal in signals { signal.notify() }
    }

    /// Removes a member, releasing its unsettled deliveries; the last member closes the runtime.
    func leave(_ member: UInt64) async {
        var effects = RuntimeEffects()
        let isLast = state.withLock { $0.leave(member, now: .now, date: .now, effects: &effects) }
        if isLast {
            // The member's deliveries, returned by leave, go back together with everything else held.
            await close(returning: effects)
        } else {
            await run(effects)
        }
    }

    /// Returns everything held to the server (and what `returning` already returned), stops fetching and
    /// the tasks, and leaves the broker; returns when all of that is done (also when another call started
    /// it). The shutdown runs in a task of its own, so that a cancelled caller does not cut it short.
    func close(returning: RuntimeEffects = RuntimeEffects()) async {
        var effects = returning
        effects.pulls = []
        let shutdown = closing.withLock { closing -> Task<Void, Never>? in
            guard closing == nil, state.withLock({ $0.close(effects: &effects) }) else { return nil }
            let held = effects
            let task = Task { await self.shutDown(returning: held) }
            closing = task
            return task
        }
        if shutdown == nil { await run(effects) }
        await closed()
    }

    /// Waits until a closing runtime has left the broker (at once if it is not closing).
    func closed() async {
        await closing.withLock { $0 }?.value
    }

    /// The shutdown of ``close(returning:)``. JetStream redelivers a returned (`-NAK`) message only to a
    /// waiting pull request whose reply subject has interest; and nats-server before 2.11, when the only
    /// requests waiting have none, drops them and takes the message off its redelivery queue, so that it
    /// comes back only after the ack wait. Hence the order: the inbox is unsubscribed and drained (the
    /// deliveries the server sent before the `UNSUB` are returned too, instead of waiting out their ack
    /// wait), a consumer info of each partition with messages to return makes the server drop the
    /// runtime's dead requests, and only then are the messages returned: other members and the group's
    /// next subscriber get them at once.
    private func shutDown(returning held: RuntimeEffects) async {
        var effects = held
        maintenance.withLock { $0?.cancel() }
        for signal in effects.signals { signal.notify() }
        effects.signals = []
        let current = inbox.withLock { inbox in
            defer { inbox = nil }
            return inbox
        }
        let connected = broker.client.connectedServer != nil
        if let current {
            current.subscription.startDraining()
            if connected { try? await broker.client.flush(timeout: broker.options.requestTimeout) }
            current.subscription.finishDraining()
            await current.reader.value
        }
        effects.acks += state.withLock { $0.takeLateReturns() }
        if connected { await dropPullRequests(of: effects.acks) }
        await run(effects)
        // The group's lag, asked for right after its last member left, must count every acknowledgement
        // sent (the server applies them after reading them, so a flush does not show they were applied):
        // once this runtime is gone, no barrier of ``NATSBroker/lag(group:on:)`` would wait for them.
        if connected { await barrier() }
        let history = state.withLock { state in
            GroupHistory(entries: state.history, order: state.historyOrder, settled: state.settled)
        }
        broker.runtimeClosed(self, history: history)
    }

    /// Asks for the consumer info of each partition among `acks`; reporting it, the server drops the
    /// waiting pull requests whose inbox has no interest left.
    private func dropPullRequests(of acks: [(replyTo: String, ack: JetStreamAck)]) async {
        let streams = Set(acks.compactMap { try? JetStreamMessageMetadata(replyTo: $0.replyTo).stream })
        await withTaskGroup(of: Void.self) { group in
            for stream in streams where settings.streams.contains(stream) {
                group.addTask {
                    do {
                        _ = try await self.jetStream.consumerInfo(stream: stream, consumer: self.settings.consumer)
                    } catch {
                        self.logger.debug(
                            "a consumer info before returning messages failed",
                            metadata: [LogKey.error: "\(error)"]
                        )
                    }
                }
            }
        }
    }

    // MARK: Deliveries

    /// Up to `limit` deliveries for `member` in one step: the oldest it may take (a due local redelivery
    /// first), then what else is ready at once (within the member's prefetch).
    func take(for member: UInt64, limit: Int) async -> (handouts: [Handout], result: TakeResult) {
        var effects = RuntimeEffects()
        let now = Moment.now
        let date = WallTime.now
        let taken = state.withLock { state -> ([Handout], TakeResult) in
            var handouts: [Handout] = []
            while handouts.count < limit {
                let result = state.take(for: member, now: now, date: date, effects: &effects)
                guard case .handout(let handout) = result else { return (handouts, result) }
                handouts.append(handout)
            }
            return (handouts, .wait(until: nil))
        }
        if !effects.isEmpty { await run(effects) }
        return taken
    }

    /// Takes back deliveries a member read ahead and never handed to its consumer (see
    /// ``GroupRuntimeState/giveBack(_:effects:)``).
    func giveBack(_ tokens: [DeliveryToken]) async {
        var effects = RuntimeEffects()
        state.withLock { $0.giveBack(tokens, effects: &effects) }
        await run(effects)
    }

    /// The delivery a hand-out stands for.
    func delivery(_ handout: Handout) -> Delivery {
        Delivery(
            event: handout.event,
            topic: settings.topic,
            group: settings.group,
            partition: handout.partition,
            offset: handout.offset,
            attempt: handout.attempt,
            firstDeliveredAt: handout.firstDeliveredAt.date,
            storedAt: handout.storedAt.date,
            token: handout.token,
            // The runtime itself: no object per delivery.
            acknowledger: self
        )
    }

    /// Applies a settlement from one of the group's deliveries. The ack subject is the one this runtime
    /// holds for the message, or remembers after returning it to the server (an acknowledgement still
    /// counts there, also after the runtime closed).
    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        var effects = RuntimeEffects()
        let now = Moment.now
        let confirmed = broker.options.confirmAcknowledgements
        let confirm: (replyTo: String, ack: JetStreamAck)? = state.withLock { state in
            switch settlement {
            case .ack:
                // Noted for the barrier in the same step (a barrier's confirmed acknowledgement of this very
                // message covers it, whichever of the two is sent first).
                guard let subject = state.acknowledge(token, now: now, effects: &effects) else { return nil }
                if !confirmed { state.unconfirmedAcks[token.partition.index] = subject }
                return (subject, .ack)
            // The wall clock only for failures (their times are recorded). A closed runtime holds no entry,
            // so these change nothing there: it returned its messages to the server already.
            case .nack(let retryAfter, let failure):
                state.nack(token, retryAfter: retryAfter, failure: failure, now: now, date: .now, effects: &effects)
            case .reject(let failure):
                state.reject(token, failure: failure, now: now, date: .now, effects: &effects)
            }
            return nil
        }
        // Wake members and request more before waiting for the server.
        let deadLetters = effects.deadLetters
        effects.deadLetters = []
        if !effects.isEmpty { await run(effects) }
        if let confirm {
            do {
                try await jetStream.acknowledge(replyTo: confirm.replyTo, confirm.ack, confirmed: confirmed)
            } catch {
                throw BrokerError.unavailable(
                    "the acknowledgement of offset \(token.offset) (partition \(token.partition)) of group '\(settings.group)' "
                        + "on topic '\(settings.topic)' did not reach the server (\(error)); the event will be delivered again"
                )
            }
        }
        for job in deadLetters { await deadLetter(job) }
    }

    /// Acknowledges several of the group's deliveries with one state change and one write of their
    /// `+ACK`s; with ``NATSBrokerOptions/confirmAcknowledgements``, waits until the server confirmed the
    /// last of each partition (a consumer applies acknowledgements in order).
    func acknowledge(_ tokens: [DeliveryToken]) async throws {
        var effects = RuntimeEffects()
        let now = Moment.now
        let confirmed = broker.options.confirmAcknowledgements
        let confirms: [(token: DeliveryToken, replyTo: String)] = state.withLock { state in
            var confirms: [(token: DeliveryToken, replyTo: String)] = []
            confirms.reserveCapacity(tokens.count)
            for token in tokens {
                if let replyTo = state.acknowledge(token, now: now, effects: &effects) { confirms.append((token, replyTo)) }
            }
            // Noted for the barrier in the same step (see settle).
            if !confirmed {
                for confirm in confirms { state.unconfirmedAcks[confirm.token.partition.index] = confirm.replyTo }
            }
            return confirms
        }
        if !effects.isEmpty { await run(effects) }
        guard let last = confirms.last else { return }
        do {
            try await jetStream.acknowledge(replyTos: confirms.map { $0.replyTo }, .ack)
            if confirmed {
                var newest: [Int: String] = [:]
                for confirm in confirms { newest[confirm.token.partition.index] = confirm.replyTo }
                for replyTo in newest.values { try await jetStream.acknowledge(replyTo: replyTo, .ack, confirmed: true) }
            }
        } catch {
            throw BrokerError.unavailable(
                "the acknowledgements of \(confirms.count) events (the last: offset \(last.token.offset), partition \(last.token.partition)) of group '\(settings.group)' "
                    + "on topic '\(settings.topic)' did not all reach the server (\(error)); those lost will be delivered again"
            )
        }
    }

    /// Waits until the server has applied every acknowledgement this runtime sent without confirmation:
    /// a consumer applies acknowledgements in the order received, so one confirmed acknowledgement per
    /// partition (of the newest acknowledged message again, which changes nothing) covers all before it.
    func barrier() async {
        let pending = state.withLock { state in
            defer { state.unconfirmedAcks.removeAll() }
            return state.unconfirmedAcks
        }
        guard !pending.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for replyTo in pending.values {
                group.addTask {
                    do {
                        try await self.jetStream.acknowledge(replyTo: replyTo, .ack, confirmed: true)
                    } catch {
                        self.logger.debug("an acknowledgement barrier was not confirmed", metadata: [LogKey.error: "\(error)"])
                    }
                }
            }
        }
    }

    /// Restarts a delivery's ack deadline, here and on the server.
    func extendDeadline(_ token: DeliveryToken) async throws {
        guard let replyTo = state.withLock({ $0.extendDeadline(token, now: .now) }) else { return }
        do {
            try await jetStream.acknowledge(replyTo: replyTo, .inProgress, confirmed: true)
        } catch {
            throw BrokerError.unavailable(
                "the server did not confirm that offset \(token.offset) (partition \(token.partition)) of group "
                    + "'\(settings.group)' is in progress (\(error)); it may be delivered again after the ack deadline"
            )
        }
    }

    // MARK: Background work

    /// Takes messages of the inbox that arrived together, on the event loop: decoded, applied in one state
    /// change, members woken; what must be sent or awaited (acknowledgements, pull requests, dead letters)
    /// runs in a task.
    private func receive(_ messages: [NATSMessage], from inbox: String) {
        var effects = RuntimeEffects()
        // Parsed outside the lock: the consumer's takes and settlements need it meanwhile.
        let decoded = recentStrings.withLock { recent in messages.map { DecodedDelivery($0, settings: settings, reusing: &recent) } }
        let now = Moment.now
        let date = WallTime.now
        // A few at a time: the consumer's settlements wait for the lock meanwhile.
        var notes: [GroupRuntimeState.ReceiveNote] = []
        var start = messages.startIndex
        while start < messages.endIndex {
            let end = min(start + Self.receiveChunk, messages.endIndex)
            state.withLock { state in
                for index in start..<end {
                    if let note = state.receive(messages[index], from: inbox, now: now, date: date, decoded: decoded[index], effects: &effects) {
                        notes.append(note)
                    }
                }
            }
            start = end
        }
        for signal in effects.signals { signal.notify() }
        effects.signals = []
        guard !notes.isEmpty || !effects.isEmpty else { return }
        Task { await self.follow(notes, effects: effects) }
    }

    /// The most inbox messages applied under one hold of the lock.
    static let receiveChunk = 16

    /// Logs what received messages said and runs their effects.
    private func follow(_ notes: [GroupRuntimeState.ReceiveNote], effects: RuntimeEffects) async {
        var effects = effects
        for note in notes {
            switch note {
            case .unexpected(let what):
                logger.debug("ignored \(what)")
            case .refused(let partition, let status, let description):
                logger.warning(
                    "a pull request was refused; asking again",
                    metadata: [LogKey.partition: "\(partition)", "nats.status": "\(status) \(description ?? "")"]
                )
                try? await Task.sleep(for: .milliseconds(100))
                effects.pulls += state.withLock { $0.planPulls(now: .now) }
            case .consumerDeleted(let partition):
                logger.warning(
                    "the group's consumer of a partition was deleted (a seek elsewhere, or an operator); what this process held of it is forgotten and pulled again",
                    metadata: [LogKey.partition: "\(partition)"]
                )
                await broker.ensureConsumer(settings: settings, partition: partition)
                effects.pulls += state.withLock { $0.planPulls(now: .now) }
            }
        }
        await run(effects)
    }

    private func maintain() async {
        var effects = RuntimeEffects()
        state.withLock { $0.maintain(now: .now, date: .now, effects: &effects) }
        await run(effects)
    }

    /// Forgets outstanding pull requests and sends new ones (after a reconnect).
    func resetPulls() async {
        let pulls = state.withLock { $0.resetPulls(now: .now) }
        await run(RuntimeEffects(pulls: pulls))
    }

    /// Runs effects: wakes members, sends acks and pull requests, stores dead letters.
    private func run(_ effects: RuntimeEffects) async {
        for signal in effects.signals { signal.notify() }
        for (partition, count) in effects.missed {
            logger.warning(
                "retention removed events the group had not handled; the group moved to the earliest retained event",
                metadata: [LogKey.partition: "\(partition)", "herald.missed": "\(count)"]
            )
        }
        for (replyTo, ack) in effects.acks {
            do {
                try await jetStream.acknowledge(replyTo: replyTo, ack)
            } catch {
                logger.warning("could not send a \(ack.name)", metadata: ["nats.subject": "\(replyTo)", LogKey.error: "\(error)"])
            }
        }
        for pull in effects.pulls {
            do {
                try await jetStream.requestNext(
                    stream: settings.streams[pull.partition],
                    consumer: settings.consumer,
                    PullRequest(batch: pull.batch, expires: settings.pullExpiry, heartbeat: settings.pullHeartbeat),
                    replyTo: pull.replyTo
                )
            } catch {
                state.withLock { $0.pullFailed(pull) }
                logger.warning("could not send a pull request", metadata: [LogKey.partition: "\(pull.partition)", LogKey.error: "\(error)"])
            }
        }
        for job in effects.deadLetters { await deadLetter(job) }
    }

    /// Stores a dead letter, then terminates the original; on failure it is retried in a second.
    private func deadLetter(_ job: DeadLetterJob) async {
        var stored = true
        do {
            try await broker.storeDeadLetter(job.deadLetter, topic: settings.deadLetterTopic)
        } catch {
            stored = false
            logger.error(
                "could not store a dead letter; the event stays with the group and is retried in a second",
                metadata: [
                    LogKey.offset: "\(job.deadLetter.originOffset)", LogKey.partition: "\(job.key.partition)",
                    LogKey.error: "\(error)",
                ]
            )
        }
        var effects = RuntimeEffects()
        let replyTo = state.withLock { $0.finishDeadLetter(job, stored: stored, now: .now, effects: &effects) }
        if let replyTo {
            do {
                try await jetStream.acknowledge(replyTo: replyTo, .term, confirmed: true)
            } catch {
                logger.warning(
                    "a dead-lettered event could not be terminated on the server; it may be dead-lettered again",
                    metadata: [LogKey.offset: "\(job.deadLetter.originOffset)", LogKey.error: "\(error)"]
                )
            }
        }
        await run(effects)
    }

    // MARK: Seeking and figures

    /// Stops fetching and forgets what is held of `partitions` while their consumers are re-created.
    func pause(partitions: [Int]) {
        if state.withLock({ $0.pause(partitions: partitions) }) != nil {
            inbox.withLock { inbox in
                inbox?.subscription.unsubscribe()
                inbox = nil
            }
        }
    }

    /// Fetches again after a seek.
    func resume() async {
        do {
            try await openInbox()
        } catch {
            logger.error("could not resume fetching after a seek", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// This runtime's members, by id.
    var memberFigures: [(id: UInt64, prefetch: Int, inFlight: Int, isDraining: Bool)] {
        state.withLock { state in
            state.members.all.sorted { $0.0 < $1.0 }.map { ($0.0, $0.1.prefetch, $0.1.handedOut, $0.1.isDraining) }
        }
    }

    /// The local figures of a partition for lag, and notes its first sequence.
    func figures(partition: Int, firstSequence: UInt64) async -> (inFlight: Int, awaiting: Int) {
        var effects = RuntimeEffects()
        let figures = state.withLock { state in
            state.noteFirstSequence(partition, firstSequence, effects: &effects)
            return state.figures(partition: partition)
        }
        if !effects.isEmpty { await run(effects) }
        return figures
    }
}
