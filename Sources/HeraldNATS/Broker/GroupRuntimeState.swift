import DequeModule
import Herald

import struct Foundation.Date

/// The state of one group in one broker instance: the messages it fetched and holds, its members, its
/// outstanding pull requests. Guarded by the runtime's lock; every method is a short state change that
/// returns what to send.
///
/// Bounds: the messages held plus those requested never exceed ``bufferLimit`` (twice the members'
/// prefetch: what the server sends on while the members work through what they hold, and under per-key
/// order room for others while events wait behind a blocked key), or
/// the partition count when that is larger (every partition needs a request waiting); messages a server
/// still sends on a request this runtime gave up on (after a reconnect) can add one request's batch. The
/// history of returned messages holds at most `historyLimit` entries.
struct GroupRuntimeState {
    let settings: GroupRuntimeSettings
    /// Per partition; rises with every seek (local or remote) of the partition: deliveries of an older
    /// epoch are stale.
    var epochs: [UInt64]
    var isClosed = false
    var isPaused = false
    var members = RuntimeMembers()
    var entries = EntryTable()
    /// Entries with status ``EntryStatus/ready``, in arrival order.
    var ready = Deque<MessageKey>()
    /// Per-key order: how many unsettled entries block each key.
    var busyKeys: [KeyReference: Int] = [:]
    var history: [MessageKey: History] = [:]
    var historyOrder = Deque<MessageKey>()
    var pulls: OutstandingPulls
    var nextPullID: UInt64 = 0
    var nextDeliveryID: UInt64 = 0
    /// The inbox the current pull requests answer to; `nil` while paused or closed.
    var inbox: String?
    /// After closing, the inbox that was current: deliveries the server sent to it before it learned of
    /// the close still arrive there, and go back to the server with ``lateReturns``.
    var closedInbox: String?
    /// After closing, the ack verbs for deliveries that arrived on ``closedInbox`` (see ``takeLateReturns()``).
    var lateReturns: [(replyTo: String, ack: JetStreamAck)] = []
    /// The highest stream sequence known to exist, per partition.
    var knownLastSequence: [UInt64]
    /// The lowest stream sequence known to still exist, per partition.
    var knownFirstSequence: [UInt64]
    /// The earliest ack deadline among handed-out entries (a lower bound; recomputed on expiry).
    var earliestDeadline: Moment?
    /// Per partition, the ack subject of the newest acknowledgement sent without confirmation and not yet
    /// covered by a barrier (see ``GroupRuntime/barrier()``).
    var unconfirmedAcks: [Int: String] = [:]
    /// Messages settled lately and how: a copy the server still sends (a redelivery it queued before the
    /// settlement reached it) is settled again and dropped instead of handed out twice.
    var settled: SettledMemory

    init(settings: GroupRuntimeSettings, history: GroupHistory? = nil) {
        self.settings = settings
        self.history = history?.entries ?? [:]
        self.historyOrder = history?.order ?? []
        if let settled = history?.settled, settled.partitions == settings.partitions {
            self.settled = settled
        } else {
            self.settled = SettledMemory(partitions: settings.partitions)
        }
        epochs = Array(repeating: 0, count: settings.partitions)
        pulls = OutstandingPulls(partitions: settings.partitions)
        knownLastSequence = Array(repeating: 0, count: settings.partitions)
        knownFirstSequence = Array(repeating: 0, count: settings.partitions)
    }

    /// How many messages the runtime may hold or request: twice the prefetch of its members that take
    /// deliveries. A member holds at most its prefetch; the other half is fetched ahead, so that the
    /// server's next messages are on their way while the members settle these (with the budget at the
    /// prefetch alone, a round trip's pause on a busy machine left the members idle: 13–15 % fewer
    /// events a second in `herald bench --nats` on 2 cores), and under per-key order it leaves room for
    /// other keys while events wait behind a blocked one.
    var bufferLimit: Int {
        var prefetch = 0
        for member in members.values where !member.isDraining { prefetch += member.prefetch }
        return prefetch * 2
    }

    // MARK: Members

    mutating func join(_ id: UInt64, signal: AsyncSignal, prefetch: Int) -> Bool {
        guard !isClosed else { return false }
        members.insert(id, RuntimeMember(signal: signal, prefetch: prefetch))
        return true
    }

    mutating func drain(_ id: UInt64) {
        members.update(id) { $0.isDraining = true }
    }

    /// Removes a member; its unsettled deliveries are released at once: under per-key order to the other
    /// local members (their keys stay blocked), otherwise back to the server for redelivery. Returns
    /// whether no member is left (the runtime then shuts down).
    mutating func leave(_ id: UInt64, now: Moment, date: WallTime, effects: inout RuntimeEffects) -> Bool {
        guard members[id] != nil else { return members.isEmpty }
        for (key, entry) in entries {
            guard case .handedOut(let member, _, _) = entry.status, member == id else { continue }
            if settings.perKey {
                setStatus(key, .awaiting(due: now))
            } else {
                returnToServer(key, delay: nil, effects: &effects)
            }
        }
        members.remove(id)
        wakeMembers(&effects)
        effects.pulls += planPulls(now: now)
        return members.isEmpty
    }

    /// Closes the state: every message held goes back to the server (in sequence order per partition, so
    /// that per-key order survives), nothing more is requested. Returns whether it was open.
    mutating func close(effects: inout RuntimeEffects) -> Bool {
        guard !isClosed else { return false }
        isClosed = true
        for key in entries.keys.sorted(by: { ($0.partition, $0.sequence) < ($1.partition, $1.sequence) }) {
            guard let entry = entries[key] else { continue }
            remember(key, entry)
            effects.acks.append((entry.replyTo, .nak(delay: nil)))
        }
        entries.removeAll()
        ready.removeAll()
        busyKeys.removeAll()
        pulls.removeAll()
        for member in members.values { effects.signals.append(member.signal) }
        members.removeAll()
        closedInbox = inbox
        inbox = nil
        return true
    }

    /// The ack verbs collected for deliveries that reached the closed runtime, once: send them after the
    /// server dropped the runtime's pull requests (see ``GroupRuntime/close(returning:)``).
    mutating func takeLateReturns() -> [(replyTo: String, ack: JetStreamAck)] {
        defer { lateReturns.removeAll() }
        return lateReturns
    }

    /// Wakes every member that could take a delivery.
    func wakeMembers(_ effects: inout RuntimeEffects) {
        for member in members.values where member.hasRoom && !effects.signals.contains(where: { $0 === member.signal }) {
            effects.signals.append(member.signal)
        }
    }

    // MARK: Status bookkeeping

    /// Changes an entry's status, keeping members' counts, busy keys and the ready queue in step.
    mutating func setStatus(_ key: MessageKey, _ status: EntryStatus) {
        let perKey = settings.perKey
        guard
            let (old, partitionKey) = entries.modify(
                key,
                { entry -> (EntryStatus, String?) in
                    defer { entry.status = status }
                    return (entry.status, perKey ? entry.key : nil)
                })
        else { return }
        if case .handedOut(let member, _, _) = old { members.update(member) { $0.handedOut -= 1 } }
        if case .handedOut(let member, _, let deadline) = status {
            members.update(member) { $0.handedOut += 1 }
            earliestDeadline = min(earliestDeadline ?? deadline, deadline)
        }
        if case .ready = old, !isReady(status) { removeFromReady(key) }
        if case .ready = status, !isReady(old) { ready.append(key) }
        if let partitionKey, old.blocksKey != status.blocksKey {
            let reference = KeyReference(partition: key.partition, key: partitionKey)
            let count = (busyKeys[reference] ?? 0) + (status.blocksKey ? 1 : -1)
            busyKeys[reference] = count > 0 ? count : nil
        }
    }

    /// Forgets an entry (settled, dead-lettered, returned or gone) and returns it.
    @discardableResult
    mutating func remove(_ key: MessageKey) -> Entry? {
        guard let entry = entries.remove(key) else { return nil }
        forgetRemoved(key, entry)
        return entry
    }

    /// Keeps members' counts, busy keys and the ready queue in step with an entry just removed.
    private mutating func forgetRemoved(_ key: MessageKey, _ entry: Entry) {
        switch entry.status {
        case .ready: removeFromReady(key)
        case .handedOut(let member, _, _): members.update(member) { $0.handedOut -= 1 }
        case .awaiting, .deadLettering: break
        }
        if settings.perKey, entry.status.blocksKey, let partitionKey = entry.key {
            let reference = KeyReference(partition: key.partition, key: partitionKey)
            let count = (busyKeys[reference] ?? 0) - 1
            busyKeys[reference] = count > 0 ? count : nil
        }
    }

    private func isReady(_ status: EntryStatus) -> Bool {
        if case .ready = status { return true }
        return false
    }

    private mutating func removeFromReady(_ key: MessageKey) {
        if ready.first == key {
            ready.removeFirst()
        } else if let index = ready.firstIndex(of: key) {
            ready.remove(at: index)
        }
    }

    /// Gives a message back to the server for redelivery (after `delay`), remembering its history.
    mutating func returnToServer(_ key: MessageKey, delay: Duration?, effects: inout RuntimeEffects) {
        guard let entry = entries[key] else { return }
        remember(key, entry, notBefore: delay.map { Moment.now + $0 })
        remove(key)
        effects.acks.append((entry.replyTo, .nak(delay: delay)))
    }

    /// Records that a message was settled (acknowledged or terminated).
    mutating func noteSettled(_ key: MessageKey, _ ack: JetStreamAck) {
        settled.note(key, ack)
    }

    private mutating func remember(_ key: MessageKey, _ entry: Entry, notBefore: Moment? = nil) {
        remember(
            key,
            History(
                attempts: entry.attempt,
                lastDelivered: entry.latestDelivered,
                replyTo: entry.replyTo,
                firstDeliveredAt: entry.firstDeliveredAt,
                firstFailureAt: entry.firstFailureAt,
                lastFailureAt: entry.lastFailureAt,
                lastFailure: entry.lastFailure,
                notBefore: notBefore
            )
        )
    }

    private mutating func remember(_ key: MessageKey, _ past: History) {
        if history.updateValue(past, forKey: key) == nil { historyOrder.append(key) }
        while historyOrder.count > settings.historyLimit, let oldest = historyOrder.popFirst() {
            history[oldest] = nil
        }
    }

    // MARK: Pulls

    /// The pull requests to send so that held plus requested messages reach ``bufferLimit``.
    mutating func planPulls(now: Moment) -> [PullIssue] {
        guard !isClosed, !isPaused, let inbox else { return [] }
        let limit = bufferLimit
        guard limit > 0 else { return [] }
        // Each partition needs a request waiting or its new messages would not be seen, so the hard cap is
        // at least the partition count (when the prefetch is smaller).
        var free = max(limit, settings.partitions) - entries.count - pulls.requested
        // Nothing to ask for unless a partition has no request waiting or a chunk's worth is free (the
        // common case after each settlement: return before building anything).
        guard free > 0, free >= max(1, limit / 4) || pulls.idleCount > 0 else { return [] }
        let idle = pulls.indices.filter { pulls[$0].isEmpty }
        var issues: [PullIssue] = []
        func issue(_ partition: Int, _ batch: Int) {
            nextPullID &+= 1
            pulls.append(OutstandingPull(id: nextPullID, remaining: batch, issuedAt: now, lastHeard: now), to: partition)
            issues.append(PullIssue(partition: partition, id: nextPullID, batch: batch, replyTo: "\(inbox).\(partition).\(nextPullID)"))
        }
        if !idle.isEmpty {
            let share = free / idle.count
            let remainder = free % idle.count
            for (index, partition) in idle.enumerated() where free > 0 {
                let batch = min(max(1, share + (index < remainder ? 1 : 0)), free)
                issue(partition, batch)
                free -= batch
            }
        } else if free >= max(1, limit / 4) {
            // Top up in chunks, to the partitions with the fewest requested.
            let share = max(1, free / settings.partitions)
            let order = pulls.indices.sorted { pulls.requested(of: $0) < pulls.requested(of: $1) }
            for partition in order where free > 0 && pulls[partition].count < 4 {
                let batch = min(share, free)
                issue(partition, batch)
                free -= batch
            }
        }
        return issues
    }

    /// A pull request could not be sent: forget it.
    mutating func pullFailed(_ issue: PullIssue) {
        pulls.removeAll(of: issue.partition) { $0.id == issue.id }
    }

    /// Forgets every outstanding request (after a reconnect: the server may have lost them) and plans new ones.
    mutating func resetPulls(now: Moment) -> [PullIssue] {
        pulls.removeAll()
        return planPulls(now: now)
    }

    // MARK: Receiving

    /// Takes a message from the inbox `from`: a status reply to one of the pull requests, or a delivery.
    mutating func receive(
        _ message: NATSMessage,
        from inbox: String,
        now: Moment,
        date: WallTime,
        decoded: DecodedDelivery? = nil,
        effects: inout RuntimeEffects
    ) -> ReceiveNote? {
        if isClosed {
            if inbox == closedInbox { returnLate(message, now: now) }
            return nil
        }
        guard inbox == self.inbox else { return nil }
        if let status = message.status {
            return receiveStatus(status, message, inbox: inbox, now: now, effects: &effects)
        }
        guard let decoded = decoded ?? DecodedDelivery(message, settings: settings) else {
            return .unexpected("a message without a JetStream ack subject on the group's inbox: \(message)")
        }
        let (metadata, replyTo, partition) = (decoded.numbers, decoded.replyTo, decoded.partition)
        pulls.noteDelivery(on: partition, now: now)
        let sequence = metadata.streamSequence
        knownLastSequence[partition] = max(knownLastSequence[partition], sequence + metadata.pending)
        let key = MessageKey(partition: partition, sequence: sequence)
        let redelivered = entries.modify(key) { entry -> Bool in
            // A redelivery of a message held here (its ack-wait ran out): keep one copy.
            entry.replyTo = replyTo
            entry.latestDelivered = max(entry.latestDelivered, metadata.delivered)
            entry.lastTouch = now
            return true
        }
        if redelivered == true { return nil }
        if let settled = settled.settlement(of: key) {
            // Settled already; the server sent a copy it had queued before the settlement reached it.
            effects.acks.append((replyTo, settled))
            return nil
        }
        let event = decoded.event
        let past = history.removeValue(forKey: key)
        let prior = past.map { $0.attempts + max(0, metadata.delivered - $0.lastDelivered - 1) } ?? max(0, metadata.delivered - 1)
        var entry = Entry(
            event: event,
            storedAt: metadata.timestamp,
            key: event.partitionKey,
            replyTo: replyTo,
            latestDelivered: metadata.delivered,
            priorAttempts: prior,
            firstDeliveredAt: past?.firstDeliveredAt,
            firstFailureAt: past?.firstFailureAt,
            lastFailureAt: past?.lastFailureAt,
            lastFailure: past?.lastFailure,
            lastTouch: now,
            status: .ready
        )
        if entry.priorAttempts >= settings.maximumDeliveries {
            // Delivered its last allowed time elsewhere (or here before a restart) and not settled.
            if entry.lastFailure == nil {
                entry.record(
                    DeliveryFailure(
                        errorType: "MaximumDeliveriesExceeded",
                        message: "delivered \(entry.priorAttempts) times without being acknowledged"
                    ),
                    at: date
                )
            }
            entries[key] = entry
            ready.append(key)
            startDeadLetter(key, date: date, effects: &effects)
        } else if let notBefore = past?.notBefore, notBefore > now {
            // Sent before the nack's retry delay ended (a redelivery the server had queued): wait here.
            entries[key] = entry
            ready.append(key)
            setStatus(key, .awaiting(due: notBefore))
        } else {
            entries[key] = entry
            ready.append(key)
            wakeMembers(&effects)
        }
        applyRetention(partition, effects: &effects)
        return nil
    }

    /// A delivery that reached the runtime after it closed (the server sent it before it learned of the
    /// close): it is returned like those held at the close, else the server would redeliver it only after
    /// the ack deadline. Its history is kept, so this delivery, which nobody saw, is not an attempt.
    private mutating func returnLate(_ message: NATSMessage, now: Moment) {
        guard message.status == nil, let replyTo = message.replyTo,
            let (partition, metadata) = JetStreamMessageMetadata.delivery(replyTo: replyTo, streams: settings.streams)
        else { return }
        let key = MessageKey(partition: partition, sequence: metadata.streamSequence)
        if let settled = settled.settlement(of: key) {
            lateReturns.append((replyTo, settled))
            return
        }
        var past = history[key] ?? History(attempts: 0, lastDelivered: 0)
        past.attempts += max(0, metadata.delivered - past.lastDelivered - 1)
        past.lastDelivered = metadata.delivered
        past.replyTo = replyTo
        remember(key, past)
        let delay = past.notBefore.flatMap { $0 > now ? $0 - now : nil }
        lateReturns.append((replyTo, .nak(delay: delay)))
    }

    /// Something worth logging about a received message.
    enum ReceiveNote: Sendable {
        case unexpected(String)
        case refused(partition: Int, status: Int, description: String?)
        case consumerDeleted(partition: Int)
    }

    private mutating func receiveStatus(
        _ status: Int,
        _ message: NATSMessage,
        inbox: String,
        now: Moment,
        effects: inout RuntimeEffects
    ) -> ReceiveNote? {
        // <inbox>.<partition>.<pull id>
        let suffix = message.subject.dropFirst(inbox.count + 1).split(separator: ".")
        guard message.subject.hasPrefix(inbox + "."), suffix.count == 2, let partition = Int(suffix[0]),
            let id = UInt64(suffix[1]), pulls.indices.contains(partition)
        else { return .unexpected("a status \(status) on an unknown subject \(message.subject)") }
        switch status {
        case NATSStatusCode.idleHeartbeat:
            pulls.noteHeartbeat(of: id, on: partition, now: now)
            return nil
        case NATSStatusCode.noMessages, NATSStatusCode.requestTimeout:
            pulls.removeAll(of: partition) { $0.id == id }
            effects.pulls += planPulls(now: now)
            return nil
        case NATSStatusCode.conflict where (message.statusDescription ?? "").lowercased().contains("deleted"):
            // The consumer was deleted (another instance seeking, or an operator): what this process holds
            // of the partition belongs to the old consumer.
            dropPartition(partition)
            pulls.removeAll(of: partition)
            return .consumerDeleted(partition: partition)
        default:
            pulls.removeAll(of: partition) { $0.id == id }
            return .refused(partition: partition, status: status, description: message.statusDescription)
        }
    }

    /// Forgets everything held of a partition and starts a new epoch for it (its deliveries become stale).
    mutating func dropPartition(_ partition: Int) {
        epochs[partition] &+= 1
        for key in entries.keys where key.partition == partition {
            remove(key)
        }
        for key in history.keys where key.partition == partition {
            history[key] = nil
        }
        historyOrder.removeAll { $0.partition == partition }
        settled.forget(partition: partition)
        knownFirstSequence[partition] = 0
    }

    /// Notes the partition's first sequence from the stream's state (retention may have moved it).
    mutating func noteFirstSequence(_ partition: Int, _ sequence: UInt64, effects: inout RuntimeEffects) {
        guard knownFirstSequence.indices.contains(partition), sequence > knownFirstSequence[partition] else { return }
        knownFirstSequence[partition] = sequence
        applyRetention(partition, effects: &effects)
    }

    /// Under dropOldest, forgets held messages that the stream has discarded (the newest `max_msgs`
    /// sequences are all that can still exist), acknowledging them so the server forgets them too.
    private mutating func applyRetention(_ partition: Int, effects: inout RuntimeEffects) {
        if let limit = settings.dropOldestLimit, knownLastSequence[partition] >= limit {
            knownFirstSequence[partition] = max(knownFirstSequence[partition], knownLastSequence[partition] - limit + 1)
        }
        let first = knownFirstSequence[partition]
        guard first > 0 else { return }
        var missed = 0
        for (key, entry) in entries where key.partition == partition && key.sequence < first {
            if case .handedOut = entry.status { continue }
            remove(key)
            noteSettled(key, .ack)
            effects.acks.append((entry.replyTo, .ack))
            missed += 1
        }
        if missed > 0 {
            effects.missed.append((partition, missed))
            effects.pulls += planPulls(now: .now)
        }
    }

    // MARK: Handing out

    /// Finds a delivery for member `id`: a due local redelivery first, then the oldest ready message
    /// (under per-key order, the oldest whose key nothing blocks). A member that must wait is told when
    /// the next local redelivery falls due; not when an ack deadline ends: the runtime's maintenance
    /// expires deadlines (every quarter of the ack deadline, at most a second apart) and wakes the members
    /// then, so that a member's wait needs no timer of its own (one per wait cost more than the wait).
    mutating func take(for id: UInt64, now: Moment, date: WallTime, effects: inout RuntimeEffects) -> TakeResult {
        guard !isClosed, let member = members[id], !member.isDraining else { return .closed }
        expireDeadlines(now: now, date: date, effects: &effects)
        guard !isPaused, member.handedOut < member.prefetch else { return .wait(until: nil) }
        var wakeUp: Moment?
        if entries.awaitingCount > 0 {
            var due: (key: MessageKey, at: Moment)?
            for (key, entry) in entries {
                guard case .awaiting(let at) = entry.status else { continue }
                if at <= now {
                    if due == nil || at < due?.at ?? at { due = (key, at) }
                } else {
                    wakeUp = min(wakeUp ?? at, at)
                }
            }
            if let due, let handout = handOut(due.key, to: id, now: now, date: date) { return .handout(handout) }
        }
        var scanned = 0
        var index = ready.startIndex
        while index < ready.endIndex, scanned < Self.scanLimit {
            let key = ready[index]
            // Only the partition key is read here (no copy of the entry).
            let perKey = settings.perKey
            guard let partitionKey = entries.modify(key, { perKey ? $0.key : nil }) else {
                ready.remove(at: index)
                continue
            }
            if key.sequence < knownFirstSequence[key.partition] {
                // Discarded by the stream's retention meanwhile.
                if let entry = remove(key) { effects.acks.append((entry.replyTo, .ack)) }
                noteSettled(key, .ack)
                effects.missed.append((key.partition, 1))
                continue
            }
            if let partitionKey, busyKeys[KeyReference(partition: key.partition, key: partitionKey)] != nil {
                index = ready.index(after: index)
                scanned += 1
                continue
            }
            if let handout = handOut(key, to: id, now: now, date: date) { return .handout(handout) }
            ready.remove(at: index)
        }
        return .wait(until: wakeUp)
    }

    /// How far past messages of blocked keys a member looks for one it may take.
    static let scanLimit = 10_000

    private mutating func handOut(_ key: MessageKey, to member: UInt64, now: Moment, date: WallTime) -> Handout? {
        guard entries.contains(key) else { return nil }
        nextDeliveryID &+= 1
        let deadline = now + settings.ackDeadline
        setStatus(key, .handedOut(member: member, deliveryID: nextDeliveryID, deadline: deadline))
        let token = DeliveryToken(rawValue: nextDeliveryID, partition: Partition(key.partition), offset: key.offset, epoch: epochs[key.partition])
        return entries.modify(key) { entry in
            entry.handOuts += 1
            if entry.firstDeliveredAt == nil { entry.firstDeliveredAt = date }
            return Handout(
                event: entry.event,
                partition: Partition(key.partition),
                offset: key.offset,
                attempt: entry.attempt,
                firstDeliveredAt: entry.firstDeliveredAt ?? date,
                storedAt: entry.storedAt,
                token: token
            )
        }
    }

    /// Takes back deliveries a member's read-ahead held and never handed to the consumer: ready again, at
    /// the front in the order given (so per-key order holds), without counting as an attempt.
    mutating func giveBack(_ tokens: [DeliveryToken], effects: inout RuntimeEffects) {
        var keys: [MessageKey] = []
        for token in tokens where isCurrent(token) {
            let key = MessageKey(partition: token.partition.index, sequence: UInt64(token.offset.value + 1))
            guard var entry = entries[key], case .handedOut(_, let deliveryID, _) = entry.status, deliveryID == token.rawValue else { continue }
            entry.handOuts = max(0, entry.handOuts - 1)
            entries[key] = entry
            setStatus(key, .ready)
            keys.append(key)
        }
        guard !keys.isEmpty else { return }
        let given = Set(keys)
        ready.removeAll { given.contains($0) }
        ready.insert(contentsOf: keys, at: ready.startIndex)
        wakeMembers(&effects)
    }

    /// Handed-out deliveries past their deadline fail (`AckDeadlineExceeded`): dead-lettered after the
    /// last allowed delivery, otherwise delivered again — locally under per-key order, by the server
    /// otherwise.
    mutating func expireDeadlines(now: Moment, date: WallTime, effects: inout RuntimeEffects) {
        guard let earliest = earliestDeadline, earliest <= now else { return }
        var next: Moment?
        for (key, entry) in entries {
            guard case .handedOut(_, _, let deadline) = entry.status else { continue }
            guard deadline <= now else {
                next = min(next ?? deadline, deadline)
                continue
            }
            let failure = DeliveryFailure(
                errorType: "AckDeadlineExceeded",
                message: "delivery was not settled within the ack deadline of \(settings.ackDeadline)"
            )
            fail(key, failure: failure, retryAfter: .zero, now: now, date: date, effects: &effects)
        }
        earliestDeadline = next
    }

    /// A handed-out delivery failed: dead letter after the last allowed delivery, else redelivery after
    /// `retryAfter`.
    private mutating func fail(
        _ key: MessageKey,
        failure: DeliveryFailure,
        retryAfter: Duration,
        now: Moment,
        date: WallTime,
        effects: inout RuntimeEffects
    ) {
        guard var entry = entries[key] else { return }
        entry.record(failure, at: date)
        entries[key] = entry
        if entry.attempt >= settings.maximumDeliveries {
            startDeadLetter(key, date: date, effects: &effects)
        } else if settings.perKey {
            setStatus(key, .awaiting(due: now + max(retryAfter, .zero)))
        } else {
            returnToServer(key, delay: retryAfter > .zero ? retryAfter : nil, effects: &effects)
        }
        wakeMembers(&effects)
        effects.pulls += planPulls(now: now)
    }

    // MARK: Settling

    /// Whether `token` belongs to the current epoch of its partition.
    func isCurrent(_ token: DeliveryToken) -> Bool {
        epochs.indices.contains(token.partition.index) && epochs[token.partition.index] == token.epoch
    }

    /// Acknowledges the message of `token`, whichever delivery of it the token names. Returns the ack
    /// subject to send the acknowledgement to: the held message's, or, for one returned to the server
    /// meanwhile (all of them once closed), the one remembered with its history — the acknowledgement still
    /// counts there. `nil` when the token is stale or nothing is known of the message.
    mutating func acknowledge(_ token: DeliveryToken, now: Moment, effects: inout RuntimeEffects) -> String? {
        guard isCurrent(token) else { return nil }
        let key = MessageKey(partition: token.partition.index, sequence: UInt64(token.offset.value + 1))
        if isClosed { return history[key]?.replyTo }
        let returned = history.isEmpty ? nil : history.removeValue(forKey: key)
        let entry: Entry
        switch entries.remove(key, unless: { $0.status.isDeadLettering }) {
        case .absent:
            guard let replyTo = returned?.replyTo else { return nil }
            noteSettled(key, .ack)
            return replyTo
        case .kept:
            return nil
        case .removed(let removed):
            entry = removed
        }
        // Waking is worth it only when something waits to be taken (arrivals wake members themselves) and
        // the settlement let someone take it: its member was at its prefetch, or (per-key order) its key
        // may have been unblocked.
        var wasFull = false
        if case .handedOut(let member, _, _) = entry.status, let holder = members[member] {
            wasFull = holder.handedOut >= holder.prefetch
        }
        forgetRemoved(key, entry)
        noteSettled(key, .ack)
        if (wasFull || settings.perKey) && (!ready.isEmpty || entries.awaitingCount > 0) { wakeMembers(&effects) }
        effects.pulls += planPulls(now: now)
        return entry.replyTo
    }

    /// Applies a nack of the current delivery of `token` (a stale token changes nothing).
    mutating func nack(
        _ token: DeliveryToken,
        retryAfter: Duration,
        failure: DeliveryFailure?,
        now: Moment,
        date: WallTime,
        effects: inout RuntimeEffects
    ) {
        guard let key = currentKey(of: token) else { return }
        let failure = failure ?? DeliveryFailure(errorType: "Nacked", message: "the consumer asked for redelivery")
        fail(key, failure: failure, retryAfter: retryAfter, now: now, date: date, effects: &effects)
    }

    /// Applies a reject of the current delivery of `token`: straight to dead letters.
    mutating func reject(_ token: DeliveryToken, failure: DeliveryFailure, now: Moment, date: WallTime, effects: inout RuntimeEffects) {
        guard let key = currentKey(of: token), var entry = entries[key] else { return }
        entry.record(failure, at: date)
        entries[key] = entry
        startDeadLetter(key, date: date, effects: &effects)
        wakeMembers(&effects)
    }

    /// Restarts the deadline of the current delivery of `token`; returns the ack subject for the server's
    /// keep-alive, `nil` when stale.
    mutating func extendDeadline(_ token: DeliveryToken, now: Moment) -> String? {
        guard let key = currentKey(of: token), var entry = entries[key],
            case .handedOut(let member, let id, _) = entry.status
        else { return nil }
        let deadline = now + settings.ackDeadline
        entry.status = .handedOut(member: member, deliveryID: id, deadline: deadline)
        entry.lastTouch = now
        entries[key] = entry
        return entry.replyTo
    }

    /// The key of `token`'s message if `token` is its current delivery.
    private func currentKey(of token: DeliveryToken) -> MessageKey? {
        guard isCurrent(token) else { return nil }
        let key = MessageKey(partition: token.partition.index, sequence: UInt64(token.offset.value + 1))
        guard case .handedOut(_, let id, _) = entries[key]?.status, id == token.rawValue else { return nil }
        return key
    }

    // MARK: Dead letters

    /// Parks an entry while its dead letter is stored and queues the job.
    private mutating func startDeadLetter(_ key: MessageKey, date: WallTime, effects: inout RuntimeEffects) {
        guard let entry = entries[key] else { return }
        setStatus(key, .deadLettering(retryAt: nil))
        let failure =
            entry.lastFailure
            ?? DeliveryFailure(errorType: "MaximumDeliveriesExceeded", message: "delivered \(entry.attempt) times")
        let deadLetter = DeadLetter(
            event: entry.event,
            failure: failure,
            attempts: max(entry.attempt, 1),
            firstFailureAt: (entry.firstFailureAt ?? entry.firstDeliveredAt ?? date).date,
            lastFailureAt: (entry.lastFailureAt ?? entry.firstDeliveredAt ?? date).date,
            originTopic: settings.topic,
            originPartition: Partition(key.partition),
            originOffset: key.offset,
            group: settings.group
        )
        effects.deadLetters.append(DeadLetterJob(key: key, epoch: epochs[key.partition], replyTo: entry.replyTo, deadLetter: deadLetter))
    }

    /// A dead letter was stored (then the entry is forgotten and its ack subject returned for `+TERM`),
    /// or storing it failed (then it is retried in a second).
    mutating func finishDeadLetter(_ job: DeadLetterJob, stored: Bool, now: Moment, effects: inout RuntimeEffects) -> String? {
        guard epochs[job.key.partition] == job.epoch, let entry = entries[job.key], case .deadLettering = entry.status else { return nil }
        guard stored else {
            setStatus(job.key, .deadLettering(retryAt: now + .seconds(1)))
            return nil
        }
        remove(job.key)
        noteSettled(job.key, .term)
        wakeMembers(&effects)
        effects.pulls += planPulls(now: now)
        return entry.replyTo
    }

    // MARK: Maintenance

    /// The periodic work: deadlines, keep-alives for held messages, dead-letter retries, silent pull
    /// requests, and the history's age.
    mutating func maintain(now: Moment, date: WallTime, effects: inout RuntimeEffects) {
        guard !isClosed else { return }
        expireDeadlines(now: now, date: date, effects: &effects)
        let keepAlive = settings.keepAliveInterval
        for (key, entry) in entries {
            if now - entry.lastTouch >= keepAlive {
                entries[key]?.lastTouch = now
                effects.acks.append((entry.replyTo, .inProgress))
            }
            if case .deadLettering(let retryAt?) = entry.status, retryAt <= now {
                entries[key]?.status = .deadLettering(retryAt: nil)
                startDeadLetter(key, date: date, effects: &effects)
            }
            if case .awaiting(let due) = entry.status, due <= now {
                wakeMembers(&effects)
            }
        }
        // A request that neither delivered nor sent a heartbeat for three heartbeats, or outlived its
        // expiry, is lost (a server restart, a dropped connection): forget it and ask again.
        var lost = false
        let silence = settings.pullHeartbeat * 3
        let lifetime = settings.pullExpiry + settings.pullHeartbeat * 2
        for partition in pulls.indices {
            let removed = pulls.removeAll(of: partition) { now - $0.lastHeard > silence || now - $0.issuedAt > lifetime }
            lost = lost || removed
        }
        if lost || pulls.idleCount > 0 {
            effects.pulls += planPulls(now: now)
        }
    }

    // MARK: Seeking

    /// Stops fetching for a seek of `partitions`: their held messages are forgotten and their epochs
    /// rise (deliveries become stale); every outstanding request is forgotten because the inbox changes.
    /// Returns the inbox to unsubscribe.
    mutating func pause(partitions: [Int]) -> String? {
        isPaused = true
        for partition in partitions where epochs.indices.contains(partition) {
            dropPartition(partition)
        }
        pulls.removeAll()
        defer { inbox = nil }
        return inbox
    }

    /// Resumes fetching on a new inbox.
    mutating func resume(inbox: String, now: Moment, effects: inout RuntimeEffects) {
        guard !isClosed else { return }
        isPaused = false
        self.inbox = inbox
        effects.pulls += planPulls(now: now)
        wakeMembers(&effects)
    }

    // MARK: Figures

    /// Deliveries of `partition` handed out and not settled, and those waiting for a local redelivery.
    func figures(partition: Int) -> (inFlight: Int, awaiting: Int) {
        var inFlight = 0
        var awaiting = 0
        for (key, entry) in entries where key.partition == partition {
            switch entry.status {
            case .handedOut: inFlight += 1
            case .awaiting: awaiting += 1
            default: break
            }
        }
        return (inFlight, awaiting)
    }
}
