import Herald

/// What a verification's setup returns for one run: the consumers holding the team's handlers, and how
/// to read the team's state at the end (a store, a read model: whatever the handlers change).
public struct VerifiedHandlers<State: Equatable & Sendable>: Sendable {
    /// The consumers the verifier runs (restarts after a crash, doubles with competing consumers).
    public var consumers: [Consumer]
    /// Reads the state the handlers left, compared between runs by ``Invariant/sameFinalState``.
    public var state: @Sendable () async throws -> State

    /// Handlers and their state.
    public init(consumers: [Consumer], state: @escaping @Sendable () async throws -> State) {
        self.consumers = consumers
        self.state = state
    }
}
