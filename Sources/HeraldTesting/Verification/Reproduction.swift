import Herald
import NIOCore

/// The smallest run found that still breaks an invariant: the events left of the scenario, the faults left
/// of the profile's, and the seed, so that ``Verifier/replay(_:)`` plays exactly the same run again.
public struct Reproduction: Sendable, Encodable {
    /// One event of the reproduction.
    public struct Step: Sendable, Hashable, Codable {
        /// The topic.
        public var topic: String
        /// The event's id.
        public var id: String
        /// The event's type.
        public var type: String
        /// When it is published, in seconds from the start.
        public var atSeconds: Double
        /// The payload as text.
        public var data: String
    }

    /// The invariant broken.
    public var invariant: String
    /// What it found, first line.
    public var violation: String
    /// The profile played.
    public var profile: FaultProfile
    /// The seed.
    public var seed: UInt64
    /// The events, in publishing order.
    public var steps: [Step]
    /// The faults that must strike, and only these.
    public var faults: [FaultSite]
    /// The scenario the steps came from, reduced to them: what a replay publishes.
    public let scenario: Scenario

    private enum CodingKeys: String, CodingKey {
        case invariant, violation, profile, seed, steps, faults
    }

    init(invariant: String, violation: String, profile: FaultProfile, seed: UInt64, scenario: Scenario, faults: [FaultSite]) {
        self.invariant = invariant
        self.violation = violation
        self.profile = profile
        self.seed = seed
        self.scenario = scenario
        self.faults = faults.sorted()
        self.steps = scenario.steps.map { step in
            Step(
                topic: step.topic, id: step.event.id, type: step.event.type, atSeconds: step.at.timeInterval,
                data: step.event.data.map { String(buffer: $0) } ?? "")
        }
    }

    /// The reproduction as lines of text.
    public var text: String {
        var lines = [
            "\(steps.count) event\(steps.count == 1 ? "" : "s"), \(faults.count) fault\(faults.count == 1 ? "" : "s") (profile \(profile), seed \(seed)):"
        ]
        lines += steps.map { "  publish to \($0.topic) at +\(Self.seconds($0.atSeconds)): \($0.id) \($0.type) \($0.data)" }
        lines += faults.map { "  fault: \($0)" }
        lines.append("  breaks '\(invariant)': \(violation)")
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}
