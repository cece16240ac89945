/// A place a fault can strike in one run — a delivery, an acknowledgement, a dependency call, a published
/// event — named by what it concerns, so the same place keeps its name when other events are left out
/// while a failure is shrunk.
public struct FaultSite: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// What the fault does there, for example `duplicate` or `lose-ack`.
    public var action: String
    /// What it concerns: an event id, a dependency call.
    public var subject: String
    /// Which attempt (delivery or call), from 1.
    public var attempt: Int

    /// A site.
    public init(action: String, subject: String, attempt: Int = 1) {
        self.action = action
        self.subject = subject
        self.attempt = attempt
    }

    /// `action subject #attempt`.
    public var description: String { attempt > 1 ? "\(action) \(subject) (attempt \(attempt))" : "\(action) \(subject)" }

    /// By action, subject, then attempt.
    public static func < (lhs: FaultSite, rhs: FaultSite) -> Bool {
        (lhs.action, lhs.subject, lhs.attempt) < (rhs.action, rhs.subject, rhs.attempt)
    }
}
