/// What an append expects of its stream: the optimistic-concurrency check of event sourcing. An append
/// whose expectation does not hold writes nothing and fails with ``WrongExpectedRevisionError``.
public enum ExpectedRevision: Sendable, Hashable, CustomStringConvertible {
    /// No check: append to whatever is there (creating the stream if needed).
    case any
    /// The stream must not exist yet (the first append of an aggregate).
    case noStream
    /// The stream must exist, at any revision.
    case streamExists
    /// The stream's last event must be at exactly this revision (the revision the caller loaded).
    case exact(UInt64)

    /// Whether a stream whose last revision is `current` (`nil`: no stream) meets the expectation.
    public func isMet(byCurrent current: UInt64?) -> Bool {
        switch self {
        case .any: true
        case .noStream: current == nil
        case .streamExists: current != nil
        case .exact(let revision): current == revision
        }
    }

    /// `any`, `noStream`, `streamExists` or `exact(n)`.
    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "noStream"
        case .streamExists: "streamExists"
        case .exact(let revision): "exact(\(revision))"
        }
    }
}
