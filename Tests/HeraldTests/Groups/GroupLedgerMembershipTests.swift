import Foundation
import Testing

@testable import Herald

/// Members, per-key order, seeks, retention and checkpoints of a consumer group's ledger, on a manual clock.
@Suite("Group ledger: members, order and position")
struct GroupLedgerMembershipTests {
    @Test("a seek with deliveries in flight makes them stale, frees every member's slots and moves the position")
    func seekWithInFlight() throws {
        var fixture = try LedgerFixture(events: 4, options: SubscriptionOptions(prefetch: 2))
        fixture.ledger.join(1, prefetch: 2)
        let taken = fixture.dispatched(1)
        #expect(taken.map(\.id) == ["e0", "e1"])
        #expect(fixture.ledger.seek(to: [3]) == GroupActions(wake: .everyone))
        #expect(fixture.ledger.members[1]?.inFlight == 0)
        // Stale: neither the ack nor the nack of a delivery from before the seek changes anything.
        #expect(fixture.settle(taken[0], .ack) == .none)
        #expect(fixture.settle(taken[1], .nack(retryAfter: .zero, failure: nil)) == .none)
        #expect(fixture.dispatched(1).map(\.id) == ["e3"])
        #expect(fixture.lag.partitions[0].committedOffset == 3)
    }

    @Test("per-key order holds back a key's later events until its earlier one is acknowledged; other keys pass")
    func perKeyBlocking() throws {
        let keys = ["a", "a", "b"]
        var fixture = try LedgerFixture(events: 3, options: SubscriptionOptions(ordering: .perKey)) { keys[$0] }
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        #expect(first.map(\.id) == ["e0", "e2"])
        #expect(fixture.settle(first[0], .ack).wake == .everyone)
        #expect(fixture.dispatched(1).map(\.id) == ["e1"])
    }

    @Test("a key waiting for a redelivery stays blocked: its later event is not handed out before it")
    func perKeyBlockedByRedelivery() throws {
        var fixture = try LedgerFixture(events: 2, options: SubscriptionOptions(ordering: .perKey)) { _ in "a" }
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        #expect(first.map(\.id) == ["e0"])
        _ = fixture.settle(first[0], .nack(retryAfter: .seconds(2), failure: nil))
        #expect(fixture.dispatched(1).isEmpty)
        fixture.advance(by: .seconds(2))
        #expect(fixture.dispatched(1).map(\.id) == ["e0"])
    }

    @Test("a draining member takes nothing more but still settles; a member that leaves gives its deliveries to the others")
    func drainAndLeave() throws {
        var fixture = try LedgerFixture(events: 3)
        fixture.ledger.join(1, prefetch: 2)
        fixture.ledger.join(2, prefetch: 2)
        let held = fixture.dispatched(1)
        #expect(held.map(\.id) == ["e0", "e1"])
        fixture.ledger.drain(1)
        #expect(fixture.take(1).outcome == .closed)
        // It was at its prefetch bound: the freed slot wakes it (to find it drains).
        #expect(fixture.settle(held[0], .ack) == GroupActions(wake: .member(1)))
        #expect(fixture.lag.partitions[0].committedOffset == 1)
        #expect(fixture.ledger.leave(1, now: fixture.now) == GroupActions(wake: .everyone))
        #expect(!fixture.ledger.hasMember(1))
        // The left member's unsettled delivery comes first, as its second attempt.
        let taken = fixture.dispatched(2)
        #expect(taken.map(\.id) == ["e1", "e2"])
        #expect(taken.map(\.attempt) == [2, 1])
    }

    @Test("a delivery given back unseen is due at once and its attempt is taken back")
    func release() throws {
        var fixture = try LedgerFixture(events: 1)
        fixture.ledger.join(1, prefetch: 10)
        let taken = fixture.dispatched(1)
        #expect(fixture.ledger.release(taken.map(\.token), now: fixture.now) == GroupActions(wake: .everyone))
        #expect(fixture.ledger.members[1]?.inFlight == 0)
        #expect(fixture.dispatched(1).map(\.attempt) == [1])
        // Releasing a stale token changes nothing.
        #expect(fixture.ledger.release(taken.map(\.token), now: fixture.now) == .none)
    }

    @Test("extending a deadline restarts it: the delivery is not handed out again at the first deadline")
    func extendDeadline() throws {
        var fixture = try LedgerFixture(events: 1, options: SubscriptionOptions(ackDeadline: .seconds(10)))
        fixture.ledger.join(1, prefetch: 10)
        let taken = fixture.dispatched(1)
        fixture.advance(by: .seconds(8))
        let extended = fixture.ledger.extendDeadline(taken[0].token, now: fixture.now)
        #expect(extended)
        fixture.advance(by: .seconds(8))
        #expect(fixture.dispatched(1).isEmpty)
        fixture.advance(by: .seconds(2))
        #expect(fixture.dispatched(1).map(\.attempt) == [2])
        // The first delivery is no longer current: extending it does nothing.
        let extendedStale = fixture.ledger.extendDeadline(taken[0].token, now: fixture.now)
        #expect(!extendedStale)
    }

    @Test("retention past the floor counts the events the group missed and moves it to the new start")
    func retention() throws {
        var fixture = try LedgerFixture(events: 5, options: SubscriptionOptions(prefetch: 2))
        fixture.ledger.join(1, prefetch: 2)
        let taken = fixture.dispatched(1)
        _ = fixture.settle(taken[0], .ack)
        // Offsets 1 (in flight) and 2 (never delivered) are missed; 0 was acknowledged.
        #expect(fixture.ledger.retentionRemoved(partition: 0, below: 3) == 2)
        #expect(fixture.ledger.members[1]?.inFlight == 0)
        #expect(fixture.lag.partitions[0].committedOffset == 3)
        #expect(fixture.dispatched(1).map(\.id) == ["e3", "e4"])
    }

    @Test("a checkpoint restores acknowledged offsets as done and unacknowledged ones first, with their attempts")
    func checkpointRestore() throws {
        var fixture = try LedgerFixture(events: 4, options: SubscriptionOptions(prefetch: 3))
        fixture.ledger.join(1, prefetch: 3)
        let joined = fixture.ledger.takeCheckpoint(force: false)
        let unchanged = fixture.ledger.takeCheckpoint(force: false)
        #expect(joined != nil)
        #expect(unchanged == nil)
        let taken = fixture.dispatched(1)
        _ = fixture.settle(taken[0], .ack)
        _ = fixture.settle(taken[2], .ack)
        let taken2 = fixture.ledger.takeCheckpoint(force: false)
        let checkpoint = try #require(taken2)
        #expect(checkpoint == [PartitionCheckpoint(floor: 1, acknowledged: [2], attempts: [1: 1])])

        var restored = GroupLedger(name: "billing", topic: "orders", options: fixture.ledger.options, logs: fixture.logs)
        restored.restore(checkpoint, logs: fixture.logs, now: fixture.now, date: fixture.date)
        restored.join(9, prefetch: 10)
        guard case .dispatched(let again) = restored.take(member: 9, limit: 10, logs: fixture.logs, now: fixture.now, date: fixture.date).outcome
        else {
            Issue.record("the restored group handed nothing out")
            return
        }
        #expect(again.map(\.record.offset) == [1, 3])
        #expect(again.map(\.attempt) == [2, 1])
    }

    @Test("a checkpoint's offsets past the partition's end are dropped, so events stored there later are delivered")
    func checkpointPastEnd() throws {
        let fixture = try LedgerFixture(events: 2)
        var restored = GroupLedger(name: "billing", topic: "orders", options: SubscriptionOptions(), logs: fixture.logs)
        restored.restore([PartitionCheckpoint(floor: 5, acknowledged: [7], attempts: [8: 2])], logs: fixture.logs, now: fixture.now, date: fixture.date)
        #expect(restored.partitions[0].acknowledgedFloor == 2)
        #expect(restored.checkpoint() == [PartitionCheckpoint(floor: 2, acknowledged: [], attempts: [:])])
    }

    @Test("a closed ledger hands nothing out")
    func close() throws {
        var fixture = try LedgerFixture(events: 1)
        fixture.ledger.join(1, prefetch: 10)
        #expect(fixture.ledger.close() == GroupActions(wake: .everyone))
        #expect(fixture.take(1).outcome == .closed)
    }

    @Test("wake-ups merge: nobody adds nothing, everyone absorbs the rest, members collect")
    func wakeMerging() {
        #expect(GroupWake.nobody.merged(with: .member(1)) == .member(1))
        #expect(GroupWake.member(1).merged(with: .member(1)) == .member(1))
        #expect(GroupWake.member(1).merged(with: .member(2)) == .members([1, 2]))
        #expect(GroupWake.members([1, 2]).merged(with: .everyone) == .everyone)
        #expect(GroupWake.members([1]).merged(with: .members([3])) == .members([1, 3]))
    }
}
