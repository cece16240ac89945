import Foundation
import Testing

@testable import Herald

/// Every transition of a consumer group's ledger, on a manual clock.
@Suite("Group ledger: handing out and settling")
struct GroupLedgerTests {
    @Test("a take hands out events in offset order, round robin over partitions, within the member's prefetch")
    func takeWithinPrefetch() throws {
        var fixture = try LedgerFixture(partitions: 2, events: 6, options: SubscriptionOptions(prefetch: 4))
        fixture.ledger.join(1, prefetch: 4)
        let first = fixture.dispatched(1, limit: 10)
        #expect(first.map(\.id) == ["e0", "e2", "e4", "e1"])
        #expect(first.allSatisfy { $0.attempt == 1 })
        // At the prefetch bound: nothing more until a settlement, or the first ack deadline frees a slot.
        #expect(fixture.take(1).outcome == .wait(until: fixture.now + .seconds(30)))
        #expect(fixture.ledger.members[1]?.inFlight == 4)
    }

    @Test("a member at its prefetch bound whose delivery expires gets it back at the deadline")
    func expiryAtPrefetchBound() throws {
        var fixture = try LedgerFixture(events: 2, options: SubscriptionOptions(prefetch: 1, ackDeadline: .seconds(30)))
        fixture.ledger.join(1, prefetch: 1)
        #expect(fixture.dispatched(1).map(\.id) == ["e0"])
        #expect(fixture.take(1).outcome == .wait(until: fixture.now + .seconds(30)))
        fixture.advance(by: .seconds(30))
        let again = fixture.dispatched(1)
        #expect(again.map(\.id) == ["e0"])
        #expect(again.map(\.attempt) == [2])
    }

    @Test("acknowledging a member at its prefetch bound wakes it; the floor moves over acknowledged events")
    func acknowledgeWakesAndMovesFloor() throws {
        var fixture = try LedgerFixture(events: 3, options: SubscriptionOptions(prefetch: 2))
        fixture.ledger.join(7, prefetch: 2)
        let taken = fixture.dispatched(7)
        #expect(taken.map(\.id) == ["e0", "e1"])
        // The second is acknowledged first: the floor waits for the first.
        #expect(fixture.settle(taken[1], .ack) == GroupActions(wake: .member(7)))
        #expect(fixture.lag.partitions[0].committedOffset == 0)
        #expect(fixture.settle(taken[0], .ack) == .none)
        #expect(fixture.lag.partitions[0].committedOffset == 2)
        #expect(fixture.lag.partitions[0].pending == 1)
        // Acknowledging again changes nothing.
        #expect(fixture.settle(taken[0], .ack) == .none)
    }

    @Test("a batch of acknowledgements frees each member's slots once and wakes those that were at their bound")
    func batchAcknowledge() throws {
        var fixture = try LedgerFixture(events: 4, options: SubscriptionOptions(prefetch: 2))
        fixture.ledger.join(1, prefetch: 2)
        fixture.ledger.join(2, prefetch: 2)
        let one = fixture.dispatched(1)
        let two = fixture.dispatched(2)
        #expect(one.count == 2 && two.count == 2)
        let actions = fixture.ledger.acknowledge((one + two).map(\.token))
        guard case .members(let woken) = actions.wake else {
            Issue.record("expected both members woken, got \(actions.wake)")
            return
        }
        #expect(Set(woken) == [1, 2])
        #expect(fixture.ledger.isCaughtUp(logs: fixture.logs))
    }

    @Test("a delivery not settled by its ack deadline is handed out again with the next attempt and the failure recorded")
    func deadlineExpiry() throws {
        var fixture = try LedgerFixture(events: 1, options: SubscriptionOptions(ackDeadline: .seconds(30)))
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        #expect(first.map(\.attempt) == [1])
        // The take says when to look again: the deadline.
        #expect(fixture.take(1).outcome == .wait(until: fixture.now + .seconds(30)))
        fixture.advance(by: .seconds(29))
        #expect(fixture.dispatched(1).isEmpty)
        fixture.advance(by: .seconds(1))
        let again = fixture.dispatched(1)
        #expect(again.map(\.attempt) == [2])
        #expect(again.first?.token != first.first?.token)
        // The expired delivery is stale: settling it changes nothing, the new one still counts.
        #expect(fixture.settle(first[0], .nack(retryAfter: .zero, failure: nil)) == .none)
        #expect(fixture.lag.partitions[0].inFlight == 1)
    }

    @Test("a nack with a delay keeps the event from every member until the delay has passed")
    func delayedNack() throws {
        var fixture = try LedgerFixture(events: 1)
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        let actions = fixture.settle(first[0], .nack(retryAfter: .seconds(5), failure: DeliveryFailure(errorType: "Busy", message: "try later")))
        #expect(actions == GroupActions(wake: .everyone))
        #expect(fixture.take(1).outcome == .wait(until: fixture.now + .seconds(5)))
        #expect(fixture.lag.partitions[0].awaitingRedelivery == 1)
        fixture.advance(by: .milliseconds(4_999))
        #expect(fixture.dispatched(1).isEmpty)
        fixture.advance(by: .milliseconds(1))
        #expect(fixture.dispatched(1).map(\.attempt) == [2])
    }

    @Test("the last allowed delivery failing asks for a dead letter with the failure, and parks the event until it is stored")
    func maximumDeliveries() throws {
        var fixture = try LedgerFixture(events: 2, options: SubscriptionOptions(maximumDeliveries: 2))
        fixture.ledger.join(1, prefetch: 1)
        let failure = DeliveryFailure(errorType: "PaymentDeclined", message: "card expired")
        let first = fixture.dispatched(1)
        #expect(fixture.settle(first[0], .nack(retryAfter: .zero, failure: failure)).deadLetters.isEmpty)
        let second = fixture.dispatched(1)
        #expect(second.map(\.attempt) == [2])
        fixture.advance(by: .seconds(3))
        let actions = fixture.settle(second[0], .nack(retryAfter: .zero, failure: failure))
        #expect(
            actions.deadLetters == [
                DeadLetterRequest(
                    partition: 0, offset: 0, epoch: 0, failure: failure, attempts: 2,
                    firstFailureAt: fixture.date, lastFailureAt: fixture.date
                )
            ])
        // Parked: the next event is handed out, the dead-lettered one is not.
        #expect(fixture.dispatched(1).map(\.id) == ["e1"])
        #expect(fixture.lag.partitions[0].committedOffset == 0)
        _ = fixture.ledger.finishDeadLetter(actions.deadLetters[0], outcome: .stored, now: fixture.now)
        #expect(fixture.lag.partitions[0].committedOffset == 1)
    }

    @Test("a dead letter that could not be stored is asked for again a second later; one stored after a seek changes nothing")
    func deadLetterRetryAndStaleRequest() throws {
        var fixture = try LedgerFixture(events: 1, options: SubscriptionOptions(maximumDeliveries: 1))
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        let request = try #require(fixture.settle(first[0], .reject(failure: DeliveryFailure(errorType: "Invalid", message: "bad"))).deadLetters.first)
        #expect(fixture.ledger.finishDeadLetter(request, outcome: .failed, now: fixture.now) == GroupActions(wake: .everyone))
        #expect(fixture.take(1).outcome == .wait(until: fixture.now + .seconds(1)))
        fixture.advance(by: .seconds(1))
        let retried = fixture.take(1)
        // Asked for again and parked again: nothing is handed out.
        guard case .wait = retried.outcome else {
            Issue.record("a parked event was handed out: \(retried.outcome)")
            return
        }
        let again = try #require(retried.actions.deadLetters.first)
        #expect(again.failure.errorType == "Invalid")
        _ = fixture.ledger.seek(to: [0])
        #expect(fixture.ledger.finishDeadLetter(again, outcome: .stored, now: fixture.now) == .none)
        #expect(fixture.lag.partitions[0].committedOffset == 0)
    }

    @Test("a reject asks for the dead letter at once, whatever attempts are left")
    func reject() throws {
        var fixture = try LedgerFixture(events: 1, options: SubscriptionOptions(maximumDeliveries: 5))
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        let actions = fixture.settle(first[0], .reject(failure: DeliveryFailure(errorType: "Schema", message: "unknown field")))
        #expect(actions.wake == .everyone)
        #expect(actions.deadLetters.map(\.attempts) == [1])
        #expect(actions.deadLetters.map(\.failure.errorType) == ["Schema"])
    }

    @Test("an event gone by retention before its dead letter was stored counts as handled")
    func deadLetterOfGoneEvent() throws {
        var fixture = try LedgerFixture(events: 1, options: SubscriptionOptions(maximumDeliveries: 1))
        fixture.ledger.join(1, prefetch: 10)
        let first = fixture.dispatched(1)
        let request = try #require(fixture.settle(first[0], .reject(failure: DeliveryFailure(errorType: "E", message: "m"))).deadLetters.first)
        _ = fixture.ledger.finishDeadLetter(request, outcome: .eventGone, now: fixture.now)
        #expect(fixture.ledger.isCaughtUp(logs: fixture.logs))
    }
}
