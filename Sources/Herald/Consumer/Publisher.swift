import Tracing

/// Publishes events with their lineage: inside a handler, events get the handled event's
/// `correlationid` and `causationid` (see ``EventLineage``) and the current trace context as
/// `traceparent`/`tracestate`. Attributes the event already carries are left as they are.
///
/// Events go to the publisher's ``sink``: a broker, or a transaction's outbox (see ``EventSink``).
public struct Publisher: Sendable {
    /// Where events go.
    public let sink: any EventSink
    /// The `source` attribute of typed events published through ``publish(_:to:id:extensions:)``.
    public let source: String
    /// Receives completions for ``request(_:to:awaiting:id:timeout:)``; `nil`: the publisher cannot request.
    public let replies: RequestReplies?
    private let instrument: (any Instrument)?

    /// Creates a publisher.
    ///
    /// - Parameters:
    ///   - broker: where events go.
    ///   - source: the `source` of typed events, for example `/coffee/barista`.
    ///   - replies: receives completions of requests; default none.
    ///   - instrument: injects trace context; default `nil` uses the process's `InstrumentationSystem`.
    public init(broker: any Broker, source: String, replies: RequestReplies? = nil, instrument: (any Instrument)? = nil) {
        self.init(sink: broker, source: source, replies: replies, instrument: instrument)
    }

    /// Creates a publisher that sends to `sink`, for example a transaction's outbox.
    ///
    /// - Parameters:
    ///   - sink: where events go.
    ///   - source: the `source` of typed events.
    ///   - replies: receives completions of requests; default none.
    ///   - instrument: injects trace context; default `nil` uses the process's `InstrumentationSystem`.
    public init(sink: any EventSink, source: String, replies: RequestReplies? = nil, instrument: (any Instrument)? = nil) {
        self.sink = sink
        self.source = source
        self.replies = replies
        self.instrument = instrument
    }

    /// The same publisher (source, replies, instrument) sending to `sink` instead.
    public func sending(to sink: any EventSink) -> Publisher {
        Publisher(sink: sink, source: source, replies: replies, instrument: instrument)
    }

    /// Stamps lineage and trace context on `event` and sends it to the sink.
    ///
    /// - Returns: the broker's receipt, or ``PublishOutcome/queued(topic:sequence:)`` from an outbox.
    /// - Throws: the sink's error: ``BrokerError`` from a broker.
    @discardableResult
    public func publish(_ event: Event, to topic: String) async throws -> PublishOutcome {
        let outcomes = try await sink.send([stamped(event)], to: topic)
        guard let outcome = outcomes.first else {
            throw BrokerError.unavailable("the event sink returned no outcome for event '\(event.id)'")
        }
        return outcome
    }

    /// Publishes a typed event. - Throws: ``EventContractError``, ``CloudEventError``, or the sink's error.
    @discardableResult
    public func publish<Payload: TypedEvent>(
        _ payload: Payload,
        to topic: String,
        id: String? = nil,
        extensions: [String: String] = [:]
    ) async throws -> PublishOutcome {
        let event: Event
        if let id {
            event = try Event(payload, id: id, source: source, extensions: extensions)
        } else {
            event = try Event(payload, source: source, extensions: extensions)
        }
        return try await publish(event, to: topic)
    }

    /// `event` with lineage and trace context added where missing.
    public func stamped(_ event: Event) -> Event {
        var event = event
        if let lineage = EventLineage.current {
            if event.extensionValue(ExtensionAttributeName.correlationID.rawValue) == nil {
                event.setKnownExtension(.correlationID, to: lineage.correlationID)
            }
            if event.extensionValue(ExtensionAttributeName.causationID.rawValue) == nil {
                event.setKnownExtension(.causationID, to: lineage.causationID)
            }
        }
        if event.extensionValue(ExtensionAttributeName.traceParent.rawValue) == nil,
            let context = ServiceContext.current
        {
            var carrier: [String: String] = [:]
            (instrument ?? InstrumentationSystem.instrument).inject(context, into: &carrier, using: ExtensionInjector())
            for (name, value) in carrier {
                try? event.setExtension(name, to: value)
            }
        }
        return event
    }
}

/// Writes trace context into a dictionary of extension attributes.
public struct ExtensionInjector: Injector {
    /// Creates an injector.
    public init() {}

    /// Sets `key` (lowercased, as CloudEvents names must be) to `value`.
    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }
}

/// Reads trace context from an event's extension attributes.
public struct ExtensionExtractor: Extractor {
    /// Creates an extractor.
    public init() {}

    /// The value of `key` (lowercased), if present.
    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}
