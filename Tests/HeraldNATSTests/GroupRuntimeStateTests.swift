import Foundation
import Herald
import NIOCore
import Testing

@testable import HeraldNATS

/// The group runtime's state machine on its own: messages as the server would deliver them, no server.
@Suite("NATS group runtime state")
struct GroupRuntimeStateTests {
    private static let inbox = "_INBOX.test"

    private func settings(
        partitions: Int = 1,
        perKey: Bool = false,
        maximumDeliveries: Int = 5,
        dropOldestLimit: UInt64? = nil
    ) -> GroupRuntimeSettings {
        GroupRuntimeSettings(
            topic: "t",
            group: "g",
            partitions: partitions,
            streams: (0..<partitions).map { "S_\($0)" },
            consumer: "g",
            ackDeadline: .seconds(30),
            maximumDeliveries: maximumDeliveries,
            deadLetterTopic: "t.g.deadletter",
            perKey: perKey,
            dropOldestLimit: dropOldestLimit,
            pullExpiry: .seconds(10),
            pullHeartbeat: .milliseconds(2_500),
            historyLimit: 100
        )
    }

    /// A state with `members` joined and fetching started; `firstPulls` receives the requests sent then.
    private func state(
        _ settings: GroupRuntimeSettings,
        members: [(UInt64, Int)],
        firstPulls: ((([PullIssue]) -> Void))? = nil
    ) -> GroupRuntimeState {
        var state = GroupRuntimeState(settings: settings)
        for (id, prefetch) in members { _ = state.join(id, signal: AsyncSignal(), prefetch: prefetch) }
        var effects = RuntimeEffects()
        state.resume(inbox: Self.inbox, now: .now, effects: &effects)
        firstPulls?(effects.pulls)
        return state
    }

    /// A delivery of stream sequence `sequence` of partition `partition` as the server sends it.
    private func message(
        _ sequence: UInt64, partition: Int = 0, delivered: Int = 1, pending: UInt64 = 0, key: String? = nil
    ) throws
        -> NATSMessage
    {
        let event = try Event(id: "e\(sequence)", source: "/test", type: "t.v1", subject: key)
        return NATSMessage(
            subject: "herald.t.\(partition)",
            replyTo: ackSubject(sequence, partition: partition, delivered: delivered, pending: pending),
            headers: CloudEventHeaders.headers(for: event),
            payload: ByteBuffer()
        )
    }

    /// The ack subject of ``message(_:partition:delivered:pending:key:)``.
    private func ackSubject(_ sequence: UInt64, partition: Int = 0, delivered: Int = 1, pending: UInt64 = 0) -> String {
        "$JS.ACK.S_\(partition).g.\(delivered).\(sequence).\(sequence).1763900000000000000.\(pending)"
    }

    private func receive(_ state: inout GroupRuntimeState, _ message: NATSMessage) -> RuntimeEffects {
        var effects = RuntimeEffects()
        _ = state.receive(message, from: Self.inbox, now: .now, date: .now, effects: &effects)
        return effects
    }

    private func take(_ state: inout GroupRuntimeState, _ member: UInt64, at now: Moment = .now) -> Handout? {
        var effects = RuntimeEffects()
        if case .handout(let handout) = state.take(for: member, now: now, date: .now, effects: &effects) { return handout }
        return nil
    }

    private func naks(_ effects: RuntimeEffects) -> [String] {
        effects.acks.compactMap { if case .nak = $0.ack { return $0.replyTo } else { return nil } }
    }

    @Test("pull requests never take what is held and requested past the buffer's bound")
    func boundedPulls() throws {
        var first: [PullIssue] = []
        // Twice the prefetch: what the member holds and what is fetched ahead.
        var state = state(settings(partitions: 2), members: [(1, 3)]) { first = $0 }
        #expect(first.map(\.batch).reduce(0, +) == 6)
        #expect(Set(first.map(\.partition)) == [0, 1])
        // Both partitions deliver what was asked; nothing is handed out.
        var sequence: [UInt64] = [0, 0]
        for pull in first {
            for _ in 0..<pull.batch {
                sequence[pull.partition] += 1
                _ = receive(&state, try message(sequence[pull.partition], partition: pull.partition))
            }
        }
        #expect(state.entries.count == 6)
        for _ in 0..<20 {
            var effects = RuntimeEffects()
            state.maintain(now: .now, date: .now, effects: &effects)
            #expect(effects.pulls.isEmpty)
        }
        #expect(state.planPulls(now: .now).isEmpty)
        // A smaller prefetch than partitions still leaves one request per partition.
        var smallPulls: [PullIssue] = []
        var small = self.state(settings(partitions: 4), members: [(1, 1)]) { smallPulls = $0 }
        #expect(smallPulls.map(\.batch) == [1, 1, 1, 1])
        #expect(small.planPulls(now: .now).isEmpty)
    }

    @Test("attempts count hand-outs, not the deliveries the server made while the message was held")
    func attempts() throws {
        var state = state(settings(), members: [(1, 10)])
        _ = receive(&state, try message(1))
        let first = try #require(take(&state, 1))
        #expect(first.attempt == 1)
        // The server's ack wait ran out while the message was held here: a copy arrives, nothing more.
        _ = receive(&state, try message(1, delivered: 2))
        #expect(take(&state, 1) == nil)
        var effects = RuntimeEffects()
        state.nack(first.token, retryAfter: .zero, failure: nil, now: .now, date: .now, effects: &effects)
        #expect(naks(effects).count == 1)
        #expect(state.entries.isEmpty)
        _ = receive(&state, try message(1, delivered: 3))
        let second = try #require(take(&state, 1))
        #expect(second.attempt == 2)
        #expect(second.firstDeliveredAt == first.firstDeliveredAt)
        // Returned unhanded (the runtime closed): not an attempt either.
        _ = receive(&state, try message(2))
        var closing = RuntimeEffects()
        let closed = state.close(effects: &closing)
        #expect(closed)
        var next = GroupRuntimeState(settings: settings(), history: GroupHistory(entries: state.history, order: state.historyOrder))
        _ = next.join(2, signal: AsyncSignal(), prefetch: 10)
        next.resume(inbox: Self.inbox, now: .now, effects: &closing)
        _ = receive(&next, try message(2, delivered: 2))
        #expect(take(&next, 2)?.attempt == 1)
        // Without history, the server's count is all there is.
        _ = receive(&next, try message(7, delivered: 4))
        #expect(take(&next, 2)?.attempt == 4)
    }

    @Test("a delivery reaching the closed runtime is returned to the server, and not counted as an attempt")
    func deliveryAfterClose() throws {
        var state = state(settings(), members: [(1, 10)])
        _ = receive(&state, try message(1))
        let delivery = try #require(take(&state, 1))
        var effects = RuntimeEffects()
        _ = state.acknowledge(delivery.token, now: .now, effects: &effects)
        var closing = RuntimeEffects()
        let closed = state.close(effects: &closing)
        #expect(closed)
        // Sent by the server before it learned of the close: nothing to send at once, returned afterwards.
        #expect(receive(&state, try message(2)).acks.isEmpty)
        _ = receive(&state, try message(1, delivered: 2))
        // Another inbox's (stale) deliveries are left alone.
        _ = state.receive(try message(3), from: "_INBOX.old", now: .now, date: .now, effects: &effects)
        let late = state.takeLateReturns()
        #expect(late.map(\.ack) == [.nak(delay: nil), .ack])
        let again = state.takeLateReturns()
        #expect(again.isEmpty)
        let history = GroupHistory(entries: state.history, order: state.historyOrder)
        var next = GroupRuntimeState(settings: settings(), history: history)
        _ = next.join(2, signal: AsyncSignal(), prefetch: 10)
        next.resume(inbox: Self.inbox, now: .now, effects: &effects)
        _ = receive(&next, try message(2, delivered: 2))
        #expect(take(&next, 2)?.attempt == 1)
    }

    @Test("a copy the server sends after the settlement, or before a nack's retry delay, is not handed out early")
    func lateCopies() throws {
        var state = state(settings(), members: [(1, 10)])
        _ = receive(&state, try message(1))
        let delivery = try #require(take(&state, 1))
        var effects = RuntimeEffects()
        _ = state.acknowledge(delivery.token, now: .now, effects: &effects)
        // A redelivery the server had queued before the ack reached it: acknowledged again, dropped.
        let late = receive(&state, try message(1, delivered: 2))
        #expect(late.acks.map(\.ack) == [.ack])
        #expect(take(&state, 1) == nil && state.entries.isEmpty)

        _ = receive(&state, try message(2))
        let second = try #require(take(&state, 1))
        effects = RuntimeEffects()
        state.nack(second.token, retryAfter: .seconds(60), failure: nil, now: .now, date: .now, effects: &effects)
        _ = receive(&state, try message(2, delivered: 2))
        // Held until the retry delay ends.
        var waiting = RuntimeEffects()
        guard case .wait(let until) = state.take(for: 1, now: .now, date: .now, effects: &waiting) else {
            Issue.record("a copy arriving before the retry delay was handed out")
            return
        }
        #expect(until != nil)
        var later = RuntimeEffects()
        if case .handout(let handout) = state.take(for: 1, now: .now + .seconds(61), date: .now, effects: &later) {
            #expect(handout.offset == 1 && handout.attempt == 2)
        } else {
            Issue.record("the copy was not handed out after the retry delay")
        }
    }

    @Test("per-key order: a later event of a key waits while an earlier one is unsettled, a nack included")
    func perKeyOrder() throws {
        var state = state(settings(perKey: true), members: [(1, 10), (2, 10)])
        _ = receive(&state, try message(1, key: "k"))
        _ = receive(&state, try message(2, key: "k"))
        _ = receive(&state, try message(3, key: "other"))
        let k1 = try #require(take(&state, 1))
        #expect(k1.offset == 0)
        #expect(take(&state, 2)?.offset == 2)
        #expect(take(&state, 2) == nil)
        var effects = RuntimeEffects()
        state.nack(k1.token, retryAfter: .zero, failure: nil, now: .now, date: .now, effects: &effects)
        // Redelivered locally, not returned to the server; the key stays blocked.
        #expect(naks(effects).isEmpty)
        let again = try #require(take(&state, 2))
        #expect(again.offset == 0 && again.attempt == 2)
        #expect(take(&state, 1) == nil)
        #expect(state.acknowledge(again.token, now: .now, effects: &effects) == ackSubject(1))
        #expect(take(&state, 1)?.offset == 1)
    }

    @Test("deliveries given back from a read-ahead are ready again first, in order, without counting as an attempt")
    func giveBack() throws {
        var state = state(settings(perKey: true), members: [(1, 10), (2, 10)])
        for sequence: UInt64 in 1...3 { _ = receive(&state, try message(sequence, key: "k")) }
        _ = receive(&state, try message(4, key: "other"))
        let first = try #require(take(&state, 1))
        #expect(first.offset == 0 && first.attempt == 1)
        // Key k is blocked while its first event is out; the other key's event is handed out meanwhile.
        #expect(take(&state, 2)?.offset == 3)
        var effects = RuntimeEffects()
        state.giveBack([first.token], effects: &effects)
        #expect(!effects.signals.isEmpty)
        let again = try #require(take(&state, 2))
        #expect(again.offset == 0 && again.attempt == 1)
        // Giving back a stale or settled token changes nothing.
        state.giveBack([first.token], effects: &effects)
        #expect(take(&state, 1) == nil)
        #expect(state.acknowledge(again.token, now: .now, effects: &effects) == ackSubject(1))
        #expect(take(&state, 1)?.offset == 1)
    }

    @Test("an acknowledgement after the message went back to the server, or after the close, goes to its remembered ack subject")
    func acknowledgementAfterReturn() throws {
        var state = state(settings(), members: [(1, 10)])
        _ = receive(&state, try message(1))
        _ = receive(&state, try message(2, delivered: 3))
        let first = try #require(take(&state, 1))
        let second = try #require(take(&state, 1))
        var effects = RuntimeEffects()
        // Nacked (returned to the server), then acknowledged late by the same token: it still counts there.
        state.nack(first.token, retryAfter: .zero, failure: nil, now: .now, date: .now, effects: &effects)
        #expect(state.entries.count == 1)
        let late = state.acknowledge(first.token, now: .now, effects: &effects)
        #expect(late == ackSubject(1))
        // A copy the server sent meanwhile is acknowledged again, not handed out.
        #expect(receive(&state, try message(1, delivered: 2)).acks.map(\.ack) == [.ack])
        // The close returns the held message; its acknowledgement afterwards goes to the server too.
        var closing = RuntimeEffects()
        let closed = state.close(effects: &closing)
        #expect(closed)
        let afterClose = state.acknowledge(second.token, now: .now, effects: &effects)
        #expect(afterClose == ackSubject(2, delivered: 3))
        // A message never held here is not acknowledged by guesswork.
        let unknown = DeliveryToken(rawValue: 99, partition: Partition(0), offset: Offset(40), epoch: 0)
        let guessed = state.acknowledge(unknown, now: .now, effects: &effects)
        #expect(guessed == nil)
    }

    @Test("a seek makes held deliveries stale: settling them does nothing")
    func staleAfterSeek() throws {
        var state = state(settings(), members: [(1, 10)])
        _ = receive(&state, try message(1))
        let delivery = try #require(take(&state, 1))
        _ = state.pause(partitions: [0])
        var effects = RuntimeEffects()
        #expect(state.acknowledge(delivery.token, now: .now, effects: &effects) == nil)
        state.nack(delivery.token, retryAfter: .zero, failure: nil, now: .now, date: .now, effects: &effects)
        #expect(effects.acks.isEmpty && state.entries.isEmpty)
        // Messages of the old inbox are ignored after the seek.
        state.resume(inbox: "_INBOX.new", now: .now, effects: &effects)
        _ = receive(&state, try message(2))
        #expect(state.entries.isEmpty)
    }

    @Test("under dropOldest, held messages the stream has discarded are acknowledged and counted as missed")
    func retention() throws {
        var state = state(settings(dropOldestLimit: 3), members: [(1, 10)])
        for sequence in UInt64(1)...3 { _ = receive(&state, try message(sequence)) }
        let effects = receive(&state, try message(4, pending: 2))
        // The stream holds at most 3, and sequence 6 exists: 1 to 3 are gone.
        #expect(effects.missed.map(\.count) == [3])
        #expect(effects.acks.count == 3)
        #expect(take(&state, 1)?.offset == 3)
    }

    @Test("the last allowed attempt's failure goes to dead letters with what was recorded")
    func deadLetters() throws {
        var state = state(settings(maximumDeliveries: 2), members: [(1, 10)])
        _ = receive(&state, try message(5))
        let first = try #require(take(&state, 1))
        var effects = RuntimeEffects()
        state.nack(first.token, retryAfter: .seconds(1), failure: DeliveryFailure(errorType: "A", message: "one"), now: .now, date: .now, effects: &effects)
        #expect(effects.acks.map(\.ack) == [.nak(delay: .seconds(1))])
        _ = receive(&state, try message(5, delivered: 2))
        let second = try #require(take(&state, 1, at: .now + .seconds(2)))
        effects = RuntimeEffects()
        state.nack(second.token, retryAfter: .zero, failure: DeliveryFailure(errorType: "B", message: "two"), now: .now, date: .now, effects: &effects)
        let job = try #require(effects.deadLetters.first)
        #expect(job.deadLetter.failure == DeliveryFailure(errorType: "B", message: "two"))
        #expect(job.deadLetter.attempts == 2 && job.deadLetter.originOffset == 4 && job.deadLetter.group == "g")
        #expect(job.deadLetter.firstFailureAt <= job.deadLetter.lastFailureAt)
        #expect(state.finishDeadLetter(job, stored: true, now: .now, effects: &effects) == ackSubject(5, delivered: 2))
        #expect(state.entries.isEmpty)
        // Delivered past the maximum elsewhere: dead-lettered on arrival.
        let arrival = receive(&state, try message(9, delivered: 3))
        #expect(arrival.deadLetters.first?.deadLetter.failure.errorType == "MaximumDeliveriesExceeded")
    }
}
