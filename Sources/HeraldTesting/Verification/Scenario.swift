import Herald

/// What a verification publishes, and when: the events a team's handlers are run against. The verifier
/// runs it as written for the reference, then rewritten or delivered under each ``FaultProfile``.
///
/// ```swift
/// var scenario = Scenario(name: "two payments")
/// try scenario.publish(PaymentRequested(order: "A-1", cents: 450), to: "payments")
/// try scenario.publish(PaymentRequested(order: "A-2", cents: 300), to: "payments", after: .seconds(2))
/// ```
public struct Scenario: Sendable {
    /// One event and when it is published, counted from the start.
    public struct Step: Sendable, Hashable {
        /// The topic it is published to.
        public var topic: String
        /// The event.
        public var event: Event
        /// When it is published, from the scenario's start.
        public var at: Duration

        /// A step.
        public init(topic: String, event: Event, at: Duration) {
            self.topic = topic
            self.event = event
            self.at = at
        }
    }

    /// The scenario's name, in reports.
    public var name: String
    /// The events, in publishing order.
    public var steps: [Step]
    /// The `source` of events published through ``publish(_:to:after:id:)``.
    public var source: String

    /// An empty scenario.
    public init(name: String, source: String = "/herald/verify", steps: [Step] = []) {
        self.name = name
        self.source = source
        self.steps = steps
    }

    /// When the last event is published.
    public var duration: Duration { steps.map(\.at).max() ?? .zero }

    /// Adds a typed event, published `after` the previous one (default at the same time), with id `id`
    /// (default: the scenario's name and the step's number, so runs are comparable).
    ///
    /// - Throws: ``EventContractError`` when the payload does not encode.
    public mutating func publish<Payload: TypedEvent>(
        _ payload: Payload, to topic: String, after delay: Duration = .zero, id: String? = nil
    )
        throws
    {
        let event = try Event(payload, id: id ?? "\(name)-\(steps.count + 1)", source: source, time: nil)
        publish(event, to: topic, after: delay)
    }

    /// Adds an event as it is, published `after` the previous one.
    public mutating func publish(_ event: Event, to topic: String, after delay: Duration = .zero) {
        steps.append(Step(topic: topic, event: event, at: (steps.last?.at ?? .zero) + delay))
    }

    /// The topics the scenario publishes to, sorted.
    public var topics: [String] { Array(Set(steps.map(\.topic))).sorted() }
}
