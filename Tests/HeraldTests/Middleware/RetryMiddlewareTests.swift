import Herald
import Logging
import Synchronization
import Testing

/// Records the backoffs a `RetryMiddleware` asks for, returning at once.
final class RecordingSleeper: Sendable {
    private let durations = Mutex<[Duration]>([])

    var recorded: [Duration] { durations.withLock { $0 } }

    var sleep: @Sendable (Duration) async throws -> Void {
        { duration in self.durations.withLock { $0.append(duration) } }
    }
}

@Suite struct RetryMiddlewareTests {
    private let noJitter = RetryPolicy(maximumAttempts: 3, initialDelay: .milliseconds(100), jitter: .none)

    @Test func retriesTransientFailuresUntilTheHandlerSucceeds() async throws {
        let sleeper = RecordingSleeper()
        let middleware = try RetryMiddleware(policy: noJitter, sleep: sleeper.sleep)
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        let calls = InvocationCounter()

        try await middleware.handle(context) { _ in
            if calls.increment() < 3 { throw TransientTestError() }
        }

        #expect(calls.count == 3)
        #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200)])
        #expect(acknowledger.deadlineExtensions == 2)
        #expect(acknowledger.settlements.isEmpty)
    }

    @Test func rethrowsTheLastErrorAfterTheFinalAttempt() async throws {
        let sleeper = RecordingSleeper()
        let middleware = try RetryMiddleware(policy: noJitter, sleep: sleeper.sleep)
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        await #expect(throws: TransientTestError(number: 3)) {
            try await middleware.handle(context) { _ in
                throw TransientTestError(number: calls.increment())
            }
        }
        #expect(calls.count == 3)
        #expect(sleeper.recorded.count == 2)
    }

    @Test func rethrowsPermanentErrorsAtOnce() async throws {
        let sleeper = RecordingSleeper()
        let middleware = try RetryMiddleware(policy: noJitter, sleep: sleeper.sleep)
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        let calls = InvocationCounter()

        await #expect(throws: PermanentTestError.self) {
            try await middleware.handle(context) { _ in
                calls.increment()
                throw PermanentTestError()
            }
        }
        #expect(calls.count == 1)
        #expect(sleeper.recorded.isEmpty)
        #expect(acknowledger.deadlineExtensions == 0)
    }

    @Test func usesTheGivenClassifier() async throws {
        let classifier = ErrorClassifier.standard { error in error is TransientTestError ? .permanent : nil }
        let middleware = try RetryMiddleware(policy: noJitter, classifier: classifier, sleep: RecordingSleeper().sleep)
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in
                calls.increment()
                throw TransientTestError()
            }
        }
        #expect(calls.count == 1)
    }

    @Test func doesNotRetryADeliveryAnInnerStepSettled() async throws {
        let middleware = try RetryMiddleware(policy: noJitter, sleep: RecordingSleeper().sleep)
        let acknowledger = RecordingAcknowledger()
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger)
        let calls = InvocationCounter()

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { context in
                calls.increment()
                try await context.settle(.nack(retryAfter: .seconds(1), failure: nil))
                throw TransientTestError()
            }
        }
        #expect(calls.count == 1)
        #expect(acknowledger.settlements == [.nack(retryAfter: .seconds(1), failure: nil)])
    }

    @Test func logsAndContinuesWhenTheDeadlineCannotBeExtended() async throws {
        let capture = LogCapture()
        let acknowledger = RecordingAcknowledger(extendDeadlineError: .unavailable("test outage"))
        let context = makeTestContext(for: try makeTestEvent(), acknowledger: acknowledger, logger: capture.logger())
        let middleware = try RetryMiddleware(policy: noJitter, sleep: RecordingSleeper().sleep)
        let calls = InvocationCounter()

        try await middleware.handle(context) { _ in
            if calls.increment() == 1 { throw TransientTestError() }
        }

        #expect(calls.count == 2)
        #expect(acknowledger.deadlineExtensions == 1)
        let warnings = capture.all.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata[LogKey.errorType] == "BrokerError")
    }

    @Test func logsEachRetryWithItsNumberAndTheError() async throws {
        let capture = LogCapture()
        let context = makeTestContext(for: try makeTestEvent(id: "evt-9"), logger: capture.logger())
        let middleware = try RetryMiddleware(policy: noJitter, sleep: RecordingSleeper().sleep)

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in throw TransientTestError() }
        }

        let notices = capture.all.filter { $0.level == .notice }
        #expect(notices.map { $0.metadata["herald.retry"] } == ["1", "2"])
        #expect(notices.allSatisfy { $0.metadata[LogKey.errorType] == "TransientTestError" })
        #expect(notices.allSatisfy { $0.metadata[LogKey.eventID] == "evt-9" })
    }

    @Test func stopsRetryingWhenTheTaskIsCancelled() async throws {
        let sleeper = RecordingSleeper()
        let middleware = try RetryMiddleware(policy: noJitter, sleep: sleeper.sleep)
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        let task = Task {
            try await middleware.handle(context) { _ in
                calls.increment()
                withUnsafeCurrentTask { $0?.cancel() }
                throw TransientTestError()
            }
        }
        await #expect(throws: TransientTestError.self) { try await task.value }
        #expect(calls.count == 1)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func rethrowsTheHandlersErrorWhenCancelledDuringTheBackoff() async throws {
        let middleware = try RetryMiddleware(policy: noJitter) { _ in throw CancellationError() }
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        await #expect(throws: TransientTestError(number: 1)) {
            try await middleware.handle(context) { _ in throw TransientTestError(number: calls.increment()) }
        }
        #expect(calls.count == 1)
    }

    @Test func aSingleAttemptPolicyNeverRetries() async throws {
        let middleware = try RetryMiddleware(policy: RetryPolicy(maximumAttempts: 1), sleep: RecordingSleeper().sleep)
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in
                calls.increment()
                throw TransientTestError()
            }
        }
        #expect(calls.count == 1)
    }

    @Test func refusesAnInvalidPolicy() {
        #expect(throws: MiddlewareConfigurationError.self) {
            try RetryMiddleware(policy: RetryPolicy(maximumAttempts: 0))
        }
    }
}
