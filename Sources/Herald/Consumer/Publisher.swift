import Tracing

/// Publishes events with their lineage: inside a handler, events get the handled event's
/// `correlationid` and `causationid` (see ``EventLineage``) and the current trace context as
/// `traceparent`/`tracestate`. Attributes the event already carries are left as they are.
public struct Publisher: Sendable {
    /// The broker events go to.
    public let broker: any Broker
    /// The `source` attribute of typed events published through ``publish(_:to:id:extensions:)``.
    public let source: String
    private let instrument: (any Instrument)?

    /// Creates a publisher.
    ///
    /// - Parameters:
    ///   - broker: where events go.
    ///   - source: the `source` of typed events, for example `/coffee/barista`.
    ///   - instrument: injects trace context; default `nil` uses the process's `InstrumentationSystem`.
    public init(broker: any Broker, source: String, instrument: (any Instrument)? = nil) {
        self.broker = broker
        self.source = source
        self.instrument = instrument
    }

    /// Stamps lineage and trace context on `event` and publishes it. - Throws: ``BrokerError``.
    @discardableResult
    public func publish(_ event: Event, to topic: String) async throws -> PublishReceipt {
        try await broker.publish(stamped(event), to: topic)
    }

    /// Publishes a typed event. - Throws: ``EventContractError``, ``CloudEventError``, ``BrokerError``.
    @discardableResult
    public func publish<Payload: TypedEvent>(
        _ payload: Payload,
        to topic: String,
        id: String? = nil,
        extensions: [String: String] = [:]
    ) async throws -> PublishReceipt {
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
