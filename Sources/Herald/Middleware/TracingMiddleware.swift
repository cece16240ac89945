import Tracing

/// Traces each delivery's handling as a `consumer` span named `<topic> process`, continuing the trace of
/// the producer when the event carries one.
///
/// The parent context is the current `ServiceContext` (or a top-level one) with the trace context that
/// ``tracer`` extracts from the event's extension attributes (`traceparent`, `tracestate`; see
/// ``ExtensionExtractor``). The span has the attributes `messaging.system` = `herald`,
/// `messaging.destination.name` = the topic, `messaging.message.id` = the event id,
/// `messaging.consumer.group.name` = the group, `herald.attempt` = the delivery attempt. The rest of the
/// chain runs with the span's context as `ServiceContext.current`, so events published through
/// ``Publisher`` inside it carry the span as their `traceparent`. When the chain throws, the error is
/// recorded on the span and its status set to error; the span ends either way.
public struct TracingMiddleware: Middleware {
    /// Starts the spans and extracts the incoming trace context.
    public let tracer: any Tracer

    /// Creates a tracing middleware.
    ///
    /// - Parameter tracer: the tracer; default `InstrumentationSystem.tracer` as bootstrapped when the
    ///   middleware is created (bootstrap the instrumentation system first).
    public init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
    }

    /// Runs `next` inside the span.
    ///
    /// - Throws: whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let delivery = context.delivery
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(delivery.event.extensions, into: &parent, using: ExtensionExtractor())
        let span = tracer.startSpan("\(delivery.topic) process", context: parent, ofKind: .consumer)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "herald"
            attributes["messaging.destination.name"] = delivery.topic
            attributes["messaging.message.id"] = delivery.event.id
            attributes["messaging.consumer.group.name"] = delivery.group
            attributes["herald.attempt"] = delivery.attempt
        }
        do {
            try await ServiceContext.$current.withValue(span.context) {
                try await next(context)
            }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
