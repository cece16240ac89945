import Herald
import Synchronization
import Testing
import Tracing

/// The W3C ids of a test span, carried in the service context.
struct TestSpanIDs: Sendable, Hashable {
    var traceID: String
    var spanID: String
}

private enum TestSpanIDsKey: ServiceContextKey {
    typealias Value = TestSpanIDs
}

/// A tracer for tests (the `InMemoryTracing` product is not a dependency of this target): records
/// finished spans, and injects and extracts a W3C `traceparent`.
final class RecordingTestTracer: Tracer {
    typealias Span = RecordingTestSpan

    private let finished = Mutex<[RecordingTestSpan]>([])
    private let lastID = Mutex<UInt64>(0)

    var finishedSpans: [RecordingTestSpan] { finished.withLock { $0 } }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> RecordingTestSpan {
        var spanContext = context()
        let parent = spanContext[TestSpanIDsKey.self]
        let ids = TestSpanIDs(traceID: parent?.traceID ?? String(repeating: "a", count: 28) + nextHex(4), spanID: nextHex(16))
        spanContext[TestSpanIDsKey.self] = ids
        return RecordingTestSpan(operationName: operationName, kind: kind, context: spanContext, ids: ids, parent: parent) {
            [weak self] span in self?.finished.withLock { $0.append(span) }
        }
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let ids = context[TestSpanIDsKey.self] else { return }
        injector.inject("00-\(ids.traceID)-\(ids.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let value = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = value.split(separator: "-")
        guard parts.count == 4 else { return }
        context[TestSpanIDsKey.self] = TestSpanIDs(traceID: String(parts[1]), spanID: String(parts[2]))
    }

    private func nextHex(_ digits: Int) -> String {
        let id = lastID.withLock {
            $0 += 1
            return $0
        }
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: digits - hex.count) + hex
    }
}

/// A span of ``RecordingTestTracer``.
final class RecordingTestSpan: Span {
    private struct State {
        var operationName: String
        var attributes: SpanAttributes = [:]
        var errors: [any Error] = []
        var status: SpanStatus?
        var isRecording = true
    }

    let kind: SpanKind
    let context: ServiceContext
    let ids: TestSpanIDs
    let parent: TestSpanIDs?
    private let state: Mutex<State>
    private let onEnd: @Sendable (RecordingTestSpan) -> Void

    init(
        operationName: String,
        kind: SpanKind,
        context: ServiceContext,
        ids: TestSpanIDs,
        parent: TestSpanIDs?,
        onEnd: @escaping @Sendable (RecordingTestSpan) -> Void
    ) {
        self.kind = kind
        self.context = context
        self.ids = ids
        self.parent = parent
        self.state = Mutex(State(operationName: operationName))
        self.onEnd = onEnd
    }

    var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var isRecording: Bool { state.withLock { $0.isRecording } }
    var errors: [any Error] { state.withLock { $0.errors } }
    var status: SpanStatus? { state.withLock { $0.status } }

    func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}

    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.errors.append(error) }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let wasRecording = state.withLock { state in
            defer { state.isRecording = false }
            return state.isRecording
        }
        if wasRecording { onEnd(self) }
    }
}

@Suite struct TracingMiddlewareTests {
    @Test func recordsAConsumerSpanWithTheMessagingAttributes() async throws {
        let tracer = RecordingTestTracer()
        let event = try makeTestEvent(id: "evt-1")
        let context = makeTestContext(for: event, topic: "orders", group: "billing", attempt: 2)

        try await TracingMiddleware(tracer: tracer).handle(context) { _ in }

        let span = try #require(tracer.finishedSpans.first)
        #expect(tracer.finishedSpans.count == 1)
        #expect(span.operationName == "orders process")
        #expect(span.kind == .consumer)
        #expect(span.attributes.get("messaging.system") == .string("herald"))
        #expect(span.attributes.get("messaging.destination.name") == .string("orders"))
        #expect(span.attributes.get("messaging.message.id") == .string("evt-1"))
        #expect(span.attributes.get("messaging.consumer.group.name") == .string("billing"))
        #expect(span.attributes.get("herald.attempt") == .int64(2))
        #expect(span.errors.isEmpty)
        #expect(span.status == nil)
        #expect(span.parent == nil)
    }

    @Test func marksTheSpanWhenTheHandlerFails() async throws {
        let tracer = RecordingTestTracer()
        let context = makeTestContext(for: try makeTestEvent())

        await #expect(throws: TransientTestError(number: 3)) {
            try await TracingMiddleware(tracer: tracer).handle(context) { _ in throw TransientTestError(number: 3) }
        }

        let span = try #require(tracer.finishedSpans.first)
        #expect(span.errors.count == 1)
        #expect(span.errors.first as? TransientTestError == TransientTestError(number: 3))
        #expect(span.status?.code == .error)
        #expect(!span.isRecording, "the span ends even when the handler throws")
    }

    @Test func continuesTheProducersTraceAndPropagatesItToPublishedEvents() async throws {
        let tracer = RecordingTestTracer()
        let broker = RecordingNullBroker()
        let incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let incoming = try makeTestEvent(
            id: "in-1",
            extensions: ["traceparent": "00-\(incomingTrace)-00f067aa0ba902b7-01"]
        )
        let context = makeTestContext(for: incoming, broker: broker, instrument: tracer)

        try await TracingMiddleware(tracer: tracer).handle(context) { context in
            try await context.publisher.publish(try makeTestEvent(id: "out-1"), to: "invoices")
        }

        let span = try #require(tracer.finishedSpans.first)
        #expect(span.parent == TestSpanIDs(traceID: incomingTrace, spanID: "00f067aa0ba902b7"))
        #expect(span.ids.traceID == incomingTrace)
        let published = try #require(broker.publishedEvents.first)
        #expect(published.extensionValue("traceparent") == "00-\(incomingTrace)-\(span.ids.spanID)-01")
    }

    @Test func publishesOutsideTheHandlerCarryNoTraceFromIt() async throws {
        let tracer = RecordingTestTracer()
        let publisher = Publisher(broker: RecordingNullBroker(), source: "/tests", instrument: tracer)
        let stamped = publisher.stamped(try makeTestEvent())
        #expect(stamped.extensionValue("traceparent") == nil)
    }
}
