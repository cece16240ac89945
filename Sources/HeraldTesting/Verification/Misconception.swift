/// One line of seed 003's checklist of misconceptions about event-driven systems, with the verifier
/// profiles that test a team's handlers against it — or why no run of handlers can, and what in Herald
/// covers it instead.
public struct Misconception: Sendable, Hashable, Codable {
    /// The checklist's heading, for example `Message ordering`.
    public var category: String
    /// The belief, as the checklist words it.
    public var belief: String
    /// The profiles whose runs test it; empty when none can.
    public var profiles: [FaultProfile.Kind]
    /// Why no run of handlers tests it, when none does.
    public var notApplicable: String?
    /// The Herald feature that prevents the failure or makes it visible and recoverable.
    public var heraldAnswer: String

    /// A line that profiles test.
    init(_ category: String, _ belief: String, _ profiles: [FaultProfile.Kind], herald: String) {
        self.category = category
        self.belief = belief
        self.profiles = profiles
        self.notApplicable = nil
        self.heraldAnswer = herald
    }

    /// A line no run of handlers tests.
    init(_ category: String, _ belief: String, notApplicable reason: String, herald: String) {
        self.category = category
        self.belief = belief
        self.profiles = []
        self.notApplicable = reason
        self.heraldAnswer = herald
    }
}
