/// A simulated dependency call failed (retryable): refused before it took effect, or its answer lost
/// after it did.
public struct DependencyFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dependency.
    public let dependency: String
    /// The call.
    public let effect: String
    /// Whether the effect happened before the failure (the answer was lost).
    public let tookEffect: Bool

    /// What happened.
    public var description: String {
        tookEffect
            ? "dependency '\(dependency)' did '\(effect)' but its answer was lost (simulated); the call may be retried"
            : "dependency '\(dependency)' refused '\(effect)' (simulated failure); the call may be retried"
    }
}
