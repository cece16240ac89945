import Herald
import HeraldTesting
import Testing

@Suite struct TimeoutMiddlewareTests {
    @Test func passesAFastHandlerThrough() async throws {
        let middleware = try TimeoutMiddleware(limit: .seconds(5))
        let calls = InvocationCounter()
        try await middleware.handle(makeTestContext(for: try makeTestEvent())) { _ in calls.increment() }
        #expect(calls.count == 1)
    }

    @Test func passesTheHandlersOwnErrorThrough() async throws {
        let middleware = try TimeoutMiddleware(limit: .seconds(5))
        await #expect(throws: TransientTestError(number: 4)) {
            try await middleware.handle(makeTestContext(for: try makeTestEvent())) { _ in
                throw TransientTestError(number: 4)
            }
        }
    }

    @Test func cancelsASlowHandlerAndThrowsHandlerTimeoutError() async throws {
        let clock = ManualClock()
        let middleware = try TimeoutMiddleware(limit: .milliseconds(50), clock: clock)
        let event = try makeTestEvent(id: "slow-1", type: "test.slow.v1")
        let sawCancellation = LockedBox(false)

        // The handler waits on the same clock for far longer than the limit; the test moves the clock past
        // the limit once both the handler and the timeout sleep on it.
        let advancer = Task {
            await clock.waitForSleepers(2)
            clock.advance(by: .milliseconds(50))
        }
        let error = await #expect(throws: HandlerTimeoutError.self) {
            try await middleware.handle(makeTestContext(for: event)) { _ in
                do {
                    try await clock.sleep(for: .seconds(30))
                } catch is CancellationError {
                    sawCancellation.withLock { $0 = true }
                    throw CancellationError()
                }
            }
        }
        await advancer.value

        #expect(clock.now == ManualClock.Instant(offset: .milliseconds(50)), "nothing but the test moved the clock")
        #expect(sawCancellation.withLock { $0 }, "the handler's task must be cancelled")
        #expect(error?.limit == .milliseconds(50))
        #expect(error?.eventID == "slow-1")
        #expect(error?.eventType == "test.slow.v1")
    }

    @Test func theTimeoutErrorIsRetryableAndNamesTheEventAndLimit() {
        let error = HandlerTimeoutError(limit: .milliseconds(50), eventID: "e-7", eventType: "t.v1")
        #expect(ErrorClassifier.standard.classify(error) == .retryable)
        #expect(error.description.contains("e-7"))
        #expect(error.description.contains("t.v1"))
        #expect(error.description.contains("\(Duration.milliseconds(50))"))
    }

    @Test func refusesANonPositiveLimit() {
        #expect(throws: MiddlewareConfigurationError.self) { try TimeoutMiddleware(limit: .zero) }
        #expect(throws: MiddlewareConfigurationError.self) { try TimeoutMiddleware(limit: .seconds(-1)) }
    }
}
