/// Marks an error that retrying cannot fix (bad input, a broken contract, a business rule that says
/// no). Consumers dead-letter such failures at once instead of retrying them.
public protocol PermanentFailure: Error {}

/// Whether a failure is worth retrying.
public enum FailureKind: Sendable, Hashable {
    /// The same work may succeed later (a timeout, an unavailable dependency).
    case retryable
    /// The same work will fail again; dead-letter it.
    case permanent
}

/// Decides whether an error is retryable or permanent.
///
/// The default: errors conforming to ``PermanentFailure`` (``EventContractError`` among them),
/// ``CloudEventError`` and Swift's `DecodingError` are permanent; a ``BrokerError`` (from a publish in the
/// handler, say) is what its ``BrokerError/isRetryable`` says; every other error is retryable.
public struct ErrorClassifier: Sendable {
    private let rule: @Sendable (any Error) -> FailureKind

    /// Creates a classifier from a rule.
    public init(_ rule: @escaping @Sendable (any Error) -> FailureKind) {
        self.rule = rule
    }

    /// Classifies an error.
    public func classify(_ error: any Error) -> FailureKind {
        rule(error)
    }

    /// The default classification described on the type.
    public static let standard = ErrorClassifier { error in
        switch error {
        case is any PermanentFailure, is CloudEventError, is DecodingError:
            return .permanent
        case let error as BrokerError:
            return error.isRetryable ? .retryable : .permanent
        default:
            return .retryable
        }
    }

    /// A classifier that asks `override` first and falls back to ``standard`` when it returns `nil`.
    public static func standard(overriding override: @escaping @Sendable (any Error) -> FailureKind?) -> ErrorClassifier {
        ErrorClassifier { error in override(error) ?? standard.classify(error) }
    }
}
