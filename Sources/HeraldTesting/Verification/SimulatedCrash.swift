/// Thrown inside a handler when the verifier plays a consumer crash there: the process "dies" right after
/// the side effect `after`; nothing the handler does next happens, its acknowledgement is lost and the
/// consumer restarts.
public struct SimulatedCrash: Error, Sendable, CustomStringConvertible {
    /// The side effect the crash came right after.
    public let after: String

    /// What happened.
    public var description: String { "simulated consumer crash right after \(after)" }
}
