import Herald
import Logging
import Testing

import struct Foundation.Date

@Suite struct IdempotencyMiddlewareTests {
    private func makeMiddleware(
        store: InMemoryIdempotencyStore,
        duplicates: InvocationCounter = InvocationCounter(),
        key: @escaping @Sendable (Event) -> String? = IdempotencyMiddleware.defaultKey(for:)
    ) throws -> IdempotencyMiddleware {
        try IdempotencyMiddleware(store: store, key: key) { _ in duplicates.increment() }
    }

    @Test func runsTheFirstDeliveryAndStopsTheDuplicate() async throws {
        let store = try InMemoryIdempotencyStore()
        let duplicates = InvocationCounter()
        let middleware = try makeMiddleware(store: store, duplicates: duplicates)
        let calls = InvocationCounter()
        let event = try makeTestEvent()

        let first = RecordingAcknowledger()
        try await middleware.handle(makeTestContext(for: event, acknowledger: first)) { _ in calls.increment() }
        let capture = LogCapture()
        let second = RecordingAcknowledger()
        let duplicateContext = makeTestContext(for: event, attempt: 2, acknowledger: second, logger: capture.logger())
        try await middleware.handle(duplicateContext) { _ in calls.increment() }

        #expect(calls.count == 1)
        #expect(first.settlements.isEmpty, "the first delivery is settled by the consumer, not the middleware")
        #expect(second.settlements == [.ack])
        #expect(duplicates.count == 1)
        #expect(capture.messages(at: .info) == ["duplicate stopped"])
    }

    @Test func releasesTheKeyWhenTheHandlerFails() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let calls = InvocationCounter()
        let event = try makeTestEvent()

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(makeTestContext(for: event)) { _ in
                calls.increment()
                throw TransientTestError()
            }
        }
        try await middleware.handle(makeTestContext(for: event, attempt: 2)) { _ in calls.increment() }
        try await middleware.handle(makeTestContext(for: event, attempt: 3)) { _ in calls.increment() }

        #expect(calls.count == 2, "the retry runs; the delivery after the successful one is a duplicate")
    }

    @Test func releasesTheKeyWhenTheHandlerNacks() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let calls = InvocationCounter()
        let event = try makeTestEvent()

        try await middleware.handle(makeTestContext(for: event)) { context in
            calls.increment()
            try await context.settle(.nack(retryAfter: .zero, failure: nil))
        }
        try await middleware.handle(makeTestContext(for: event, attempt: 2)) { _ in calls.increment() }

        #expect(calls.count == 2)
    }

    @Test func aReusedKeyWithADifferentPayloadIsAPermanentConflict() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let original = try makeTestEvent(id: "a", data: #"{"amount":10}"#, extensions: ["idempotencykey": "pay-42"])
        let changed = try makeTestEvent(id: "b", data: #"{"amount":99}"#, extensions: ["idempotencykey": "pay-42"])
        let calls = InvocationCounter()

        try await middleware.handle(makeTestContext(for: original)) { _ in calls.increment() }
        let error = await #expect(throws: IdempotencyConflictError.self) {
            try await middleware.handle(makeTestContext(for: changed)) { _ in calls.increment() }
        }

        #expect(calls.count == 1)
        let conflict = try #require(error)
        #expect(ErrorClassifier.standard.classify(conflict) == .permanent)
        #expect(conflict.existing == PayloadFingerprint(of: original))
        #expect(conflict.incoming == PayloadFingerprint(of: changed))
        #expect(conflict.message.contains("idempotency key 'pay-42' was already used with a different payload"))
        #expect(conflict.message.contains(conflict.existing.hexString))
        #expect(conflict.message.contains(conflict.incoming.hexString))
    }

    @Test func aKeyHeldByAnotherHandlerIsARetryableInProgressError() async throws {
        let store = try InMemoryIdempotencyStore()
        let middleware = try makeMiddleware(store: store)
        let event = try makeTestEvent(id: "e1", source: "/src")
        // The key as the middleware stores it: scoped by the group.
        let claimed = try store.begin(key: "billing//src#e1", fingerprint: PayloadFingerprint(of: event), ttl: .seconds(60))
        #expect(claimed == .proceed)
        let calls = InvocationCounter()

        let error = await #expect(throws: IdempotencyInProgressError.self) {
            try await middleware.handle(makeTestContext(for: event, group: "billing")) { _ in calls.increment() }
        }

        #expect(calls.count == 0)
        #expect(error?.key == "/src#e1")
        #expect(error.map { ErrorClassifier.standard.classify($0) } == .retryable)
    }

    @Test func theDefaultKeyIsTheIdempotencyKeyElseSourceAndIDAndNeverTheTime() throws {
        let keyed = try makeTestEvent(id: "1", source: "/a", extensions: ["idempotencykey": "k-1"])
        let plain = try makeTestEvent(id: "1", source: "/a", time: Date(timeIntervalSince1970: 1_000))
        let sameTime = try makeTestEvent(id: "2", source: "/a", time: Date(timeIntervalSince1970: 1_000))
        #expect(IdempotencyMiddleware.defaultKey(for: keyed) == "k-1")
        #expect(IdempotencyMiddleware.defaultKey(for: plain) == "/a#1")
        #expect(IdempotencyMiddleware.defaultKey(for: plain) != IdempotencyMiddleware.defaultKey(for: sameTime))
    }

    @Test func aRepublishWithANewTimestampIsStillADuplicate() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let calls = InvocationCounter()
        let first = try makeTestEvent(id: "x", time: Date(timeIntervalSince1970: 1_000))
        let republished = try makeTestEvent(id: "x", time: Date(timeIntervalSince1970: 2_000))

        try await middleware.handle(makeTestContext(for: first)) { _ in calls.increment() }
        try await middleware.handle(makeTestContext(for: republished)) { _ in calls.increment() }

        #expect(calls.count == 1)
    }

    @Test func eventsWithTheSameTimestampButDifferentIDsAreNotDuplicates() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let calls = InvocationCounter()
        let time = Date(timeIntervalSince1970: 1_000)

        try await middleware.handle(makeTestContext(for: try makeTestEvent(id: "p", time: time))) { _ in calls.increment() }
        try await middleware.handle(makeTestContext(for: try makeTestEvent(id: "q", time: time))) { _ in calls.increment() }

        #expect(calls.count == 2)
    }

    @Test func groupsSharingAStoreDoNotStopEachOthersEvents() async throws {
        let middleware = try makeMiddleware(store: try InMemoryIdempotencyStore())
        let calls = InvocationCounter()
        let event = try makeTestEvent()

        try await middleware.handle(makeTestContext(for: event, group: "billing")) { _ in calls.increment() }
        try await middleware.handle(makeTestContext(for: event, group: "shipping")) { _ in calls.increment() }

        #expect(calls.count == 2)
    }

    @Test func eventsWithoutAKeyRunUnchecked() async throws {
        let store = try InMemoryIdempotencyStore()
        let middleware = try makeMiddleware(store: store) { _ in nil }
        let calls = InvocationCounter()
        let event = try makeTestEvent()

        try await middleware.handle(makeTestContext(for: event)) { _ in calls.increment() }
        try await middleware.handle(makeTestContext(for: event)) { _ in calls.increment() }

        #expect(calls.count == 2)
        #expect(store.count == 0)
    }

    @Test func refusesANonPositiveTTL() throws {
        let store = try InMemoryIdempotencyStore()
        #expect(throws: MiddlewareConfigurationError.self) { try IdempotencyMiddleware(store: store, ttl: .zero) }
    }
}
