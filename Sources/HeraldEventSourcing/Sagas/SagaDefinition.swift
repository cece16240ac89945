import Herald

/// An orchestrated saga: the event type that starts one (its id, or its `correlationid`, names the
/// instance), and the steps run in order; a step that fails or times out undoes the completed ones in
/// reverse order. ``SagaOrchestrator`` runs it.
public struct SagaDefinition: Sendable {
    /// The saga's name: part of its state streams' names and of its command ids.
    public let name: String
    /// The event type that starts an instance.
    public let startedBy: String
    /// The steps, in order.
    public let steps: [SagaStep]

    /// Creates a definition.
    public init(name: String, startedBy: String, steps: [SagaStep]) {
        self.name = name
        self.startedBy = startedBy
        self.steps = steps
    }

    /// The event-store stream holding instance `correlationID`'s state.
    public func stream(for correlationID: String) -> String { "saga-\(name)-\(correlationID)" }
}
