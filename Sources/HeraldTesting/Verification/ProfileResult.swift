/// How a handler set fared under one profile.
public struct ProfileResult: Sendable, Encodable {
    /// The verdict.
    public enum Status: String, Sendable, Codable {
        /// Every invariant held.
        case survived
        /// An invariant broke.
        case failed
        /// The profile had nowhere to strike (no dependency calls, a single event to reorder).
        case notApplicable = "not applicable"
    }

    /// One broken invariant.
    public struct Violation: Sendable, Codable, Hashable {
        /// The invariant's name.
        public var invariant: String
        /// What it found.
        public var findings: [String]
    }

    /// The profile.
    public var profile: FaultProfile
    /// The verdict.
    public var status: Status
    /// Why not applicable, when it is not.
    public var reason: String?
    /// The invariants broken.
    public var violations: [Violation]
    /// How many faults struck in the full run.
    public var faultsStruck: Int
    /// The smallest run found that breaks the first invariant, when one broke.
    public var reproduction: Reproduction?
    /// Simulated seconds the full run took.
    public var simulatedSeconds: Double
}
