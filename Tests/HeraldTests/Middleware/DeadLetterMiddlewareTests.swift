import Herald
import Testing

@Suite("DeadLetterMiddleware")
struct DeadLetterMiddlewareTests {
    @Test("a permanent failure rejects the delivery with the error recorded")
    func permanentFailureRejects() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        try await DeadLetterMiddleware().handle(context) { _ in throw PermanentTestError() }
        #expect(acknowledger.settlements == [.reject(failure: DeliveryFailure(PermanentTestError()))])
    }

    @Test("a retryable failure nacks with the delay for its attempt")
    func retryableFailureNacks() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), attempt: 3, acknowledger: acknowledger)
        let middleware = DeadLetterMiddleware(redeliveryDelay: { attempt in .milliseconds(attempt * 100) })
        try await middleware.handle(context) { _ in throw TransientTestError(number: 7) }
        #expect(
            acknowledger.settlements == [
                .nack(retryAfter: .milliseconds(300), failure: DeliveryFailure(TransientTestError(number: 7)))
            ]
        )
    }

    @Test("a contract violation is permanent")
    func contractViolationIsPermanent() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        try await DeadLetterMiddleware().handle(context) { context in
            struct Expected: TypedEvent {
                static let eventType = "something.else"
            }
            _ = try context.event.decode(as: Expected.self)
        }
        guard case .reject(let failure) = acknowledger.settlements.first else {
            Issue.record("expected a reject, got \(acknowledger.settlements)")
            return
        }
        #expect(failure.errorType == "EventContractError")
    }

    @Test("success settles nothing; the consumer acknowledges")
    func successSettlesNothing() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        try await DeadLetterMiddleware().handle(context) { _ in }
        #expect(acknowledger.settlements.isEmpty)
        #expect(context.settlement == nil)
    }

    @Test("cancellation passes through unsettled so the consumer releases the delivery")
    func cancellationPassesThrough() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        await #expect(throws: CancellationError.self) {
            try await DeadLetterMiddleware().handle(context) { _ in throw CancellationError() }
        }
        #expect(acknowledger.settlements.isEmpty)
    }

    @Test("a delivery an inner middleware settled is not settled again")
    func innerSettlementWins() async throws {
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        try await DeadLetterMiddleware().handle(context) { context in
            try await context.settle(.ack)
            throw TransientTestError()
        }
        #expect(acknowledger.settlements == [.ack])
    }

    @Test("the default redelivery delay doubles from one second up to a minute")
    func doublingDelay() {
        #expect((1...8).map(DeadLetterMiddleware.doublingDelay) == [1, 2, 4, 8, 16, 32, 60, 60].map { .seconds($0) })
    }
}
