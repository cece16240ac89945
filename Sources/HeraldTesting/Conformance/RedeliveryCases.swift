import Herald

import struct Foundation.Date

/// Redelivery after nack and deadline, maximum deliveries, reject.
enum RedeliveryCases {
    static let all: [BrokerConformance.Case] = [
        .init("redelivery after nack and after the ack deadline, attempt rising", redelivery),
        .init("inProgress keeps a delivery past its deadline", inProgress),
        .init("maximum deliveries moves the event to dead letters with its failure", maximumDeliveries),
        .init("reject moves the event straight to dead letters", reject),
    ]

    static func redelivery(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "redelivery")
            let options = SubscriptionOptions(ackDeadline: .milliseconds(400), maximumDeliveries: 10)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: options)
            let receipt = try await broker.publish(try Conformance.event(1), to: topic.name)

            let first = try await Conformance.next(subscription, environment)
            try checkEqual(first.attempt, 1, "first attempt")
            try await first.nack()
            // The second delivery is made after this moment, so its deadline is at least 400 ms after it.
            let clock = ContinuousClock()
            let started = clock.now
            let second = try await Conformance.next(subscription, environment, "redelivery after nack")
            try checkEqual(second.attempt, 2, "attempt after nack")
            try checkEqual(second.offset, receipt.offset, "redelivered offset")
            try check(abs(second.firstDeliveredAt.timeIntervalSince(first.firstDeliveredAt)) < 0.001, "first delivery time is kept")
            // Deadlines and delays in real time, where the backend's clock cannot be moved (else
            // BrokerClockConformance checks them on a manual clock).
            guard !environment.checksTimeOnManualClock else {
                try await second.ack()
                await subscription.close()
                return
            }

            // Leave it unsettled: it must come back only after the ack deadline.
            let third = try await Conformance.next(subscription, environment, "redelivery after the ack deadline")
            let waited = clock.now - started
            try checkEqual(third.attempt, 3, "attempt after deadline")
            try check(waited >= .milliseconds(400), "redelivered \(waited) after the second delivery was asked for, before its 400 ms deadline")

            // A nack with a delay holds the event back for that long.
            let delayStart = clock.now
            try await third.nack(retryAfter: .milliseconds(400))
            let fourth = try await Conformance.next(subscription, environment, "redelivery after a delayed nack")
            let delayed = clock.now - delayStart
            try checkEqual(fourth.attempt, 4, "attempt after delayed nack")
            try check(delayed >= .milliseconds(400), "redelivered \(delayed) after the nack, before its 400 ms retry delay")
            try await fourth.ack()
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(600), "the event was acknowledged")
            await subscription.close()
        }
    }

    static func inProgress(_ environment: BrokerConformance.Environment) async throws {
        // Checked on a manual clock by BrokerClockConformance where the backend's clock can be moved.
        guard !environment.checksTimeOnManualClock else { return }
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "inprogress")
            let options = SubscriptionOptions(ackDeadline: .milliseconds(1_000))
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: options)
            _ = try await broker.publish(try Conformance.event(1), to: topic.name)
            let delivery = try await Conformance.next(subscription, environment)
            for _ in 0..<5 {
                try await Task.sleep(for: .milliseconds(300))
                try await delivery.inProgress()
            }
            // Well past the first deadline: still not redelivered.
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(300), "inProgress extended the deadline")
            try await delivery.ack()
            await subscription.close()
        }
    }

    static func maximumDeliveries(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "maxdeliveries", partitions: 2)
            let options = SubscriptionOptions(maximumDeliveries: 3)
            let subscription = try await broker.subscribe(to: topic.name, group: "payments", options: options)
            let event = try Conformance.event(7, key: "order-7")
            let receipt = try await broker.publish(event, to: topic.name)
            for attempt in 1...3 {
                let delivery = try await Conformance.next(subscription, environment, "attempt \(attempt)")
                try checkEqual(delivery.attempt, attempt, "attempt number")
                try await delivery.nack(failure: DeliveryFailure(errorType: "PaymentDeclined", message: "card declined (\(attempt))"))
            }
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(200), "the event is dead-lettered after 3 deliveries")
            let letters = try await Conformance.deadLetters(broker, topic: topic.name, group: "payments", count: 1, environment)
            let letter = letters[0]
            try check(Conformance.same(letter.event, event), "the dead letter carries the original event")
            try checkEqual(letter.failure, DeliveryFailure(errorType: "PaymentDeclined", message: "card declined (3)"), "recorded failure")
            try checkEqual(letter.attempts, 3, "recorded attempts")
            try checkEqual(letter.originTopic, topic.name, "origin topic")
            try checkEqual(letter.originPartition, receipt.partition, "origin partition")
            try checkEqual(letter.originOffset, receipt.offset, "origin offset")
            try checkEqual(letter.group, "payments", "group")
            try check(letter.firstFailureAt <= letter.lastFailureAt, "first failure not after last failure")
            let lag = try await broker.lag(group: "payments", on: topic.name)
            try checkEqual(lag.totalPending, 0, "a dead-lettered event is settled for its group")
            await subscription.close()
        }
    }

    static func reject(_ environment: BrokerConformance.Environment) async throws {
        try await environment.withBroker { broker in
            let topic = try await Conformance.makeTopic(broker, "reject")
            let options = SubscriptionOptions(maximumDeliveries: 5)
            let subscription = try await broker.subscribe(to: topic.name, group: "g", options: options)
            let event = try Conformance.event(1)
            _ = try await broker.publish(event, to: topic.name)
            let delivery = try await Conformance.next(subscription, environment)
            try await delivery.reject(reason: "order has no items")
            try await Conformance.expectNothing(from: subscription, for: .milliseconds(200), "a rejected event is not redelivered")
            let letters = try await Conformance.deadLetters(broker, topic: topic.name, group: "g", count: 1, environment)
            try checkEqual(letters[0].event.id, event.id, "dead-lettered event")
            try checkEqual(letters[0].attempts, 1, "attempts")
            try checkEqual(letters[0].failure.message, "order has no items", "recorded reason")
            await subscription.close()
        }
    }
}
