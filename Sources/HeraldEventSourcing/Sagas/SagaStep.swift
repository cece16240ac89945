import Herald

/// One step of an orchestrated saga: the command that starts it, the events that complete or fail it,
/// how long it may take, and the command that undoes it once it is done.
public struct SagaStep: Sendable {
    /// A name for traces and command ids: `pay`, `brew`.
    public let name: String
    /// The command that starts the step, made from what the saga knows.
    public let command: @Sendable (SagaContext) throws -> SagaCommand
    /// Event types that complete the step.
    public let completedBy: Set<String>
    /// Event types that fail it: the saga then compensates.
    public let failedBy: Set<String>
    /// How long the step may take before it counts as failed; `nil`: no limit.
    public let timeout: Duration?
    /// The command that undoes the step once it completed (`nil`: nothing to undo), run in reverse order
    /// of the steps when a later step fails or times out.
    public let compensation: (@Sendable (SagaContext) throws -> SagaCommand)?

    /// Creates a step.
    public init(
        _ name: String, completedBy: Set<String>, failedBy: Set<String> = [], timeout: Duration? = nil,
        command: @escaping @Sendable (SagaContext) throws -> SagaCommand,
        compensation: (@Sendable (SagaContext) throws -> SagaCommand)? = nil
    ) {
        self.name = name
        self.command = command
        self.completedBy = completedBy
        self.failedBy = failedBy
        self.timeout = timeout
        self.compensation = compensation
    }
}

/// What a step's command is made from: the saga's correlation id, the id its command must carry, and
/// the facts gathered so far: `start` (the data of the event that started the saga, as text) and, for
/// each completed step, `<step>` (the data of the event that completed it).
public struct SagaContext: Sendable, Hashable {
    /// The saga's correlation id.
    public let correlationID: String
    /// The id the command must have: `<correlation id>:<saga>:<step>` (`…:undo` for a compensation), the
    /// same each time the command is sent, so the receiver can recognise it again.
    public let commandID: String
    /// Facts by name.
    public let facts: [String: String]

    /// Creates a context.
    public init(correlationID: String, commandID: String, facts: [String: String]) {
        self.correlationID = correlationID
        self.commandID = commandID
        self.facts = facts
    }
}
