import Herald

/// The broker conformance suite: the behaviour every Herald backend must show, written once and run
/// against any broker.
///
/// Run it from a backend's tests, one test per case:
///
/// ```swift
/// @Test(arguments: BrokerConformance.cases)
/// func conformance(_ testCase: BrokerConformance.Case) async throws {
///     try await testCase.run(BrokerConformance.Environment { InMemoryBroker() })
/// }
/// ```
///
/// Each case uses topics with a unique suffix, so backends on a shared server need no cleanup between
/// cases. Every wait is bounded: a broken backend fails a case with a ``ConformanceFailure`` instead of
/// hanging it.
public enum BrokerConformance {
    /// How the suite gets brokers.
    public struct Environment: Sendable {
        /// Makes a broker; called once or more per case (a case may open a second broker to check
        /// what a first one stored).
        public let makeBroker: @Sendable () async throws -> any BrokerAdmin
        /// Releases a broker the suite made. Default: nothing.
        public let closeBroker: @Sendable (any BrokerAdmin) async -> Void
        /// Scales the time limits of waits; raise it for slow backends. Default 1.
        public let patience: Int
        /// Whether the backend's ack deadlines, delayed redeliveries, `inProgress` and de-duplication
        /// windows are checked on a manual clock (``BrokerClockConformance``): then the cases here do not
        /// wait them out in real time. Default `false` (a backend whose time is a server's, such as NATS).
        public let checksTimeOnManualClock: Bool
        /// Whether the backend pauses groups (``BrokerAdmin/pause(group:on:)``); when not, the suite checks
        /// that it refuses with ``BrokerError/Code-swift.struct/unsupported``. Default `true`.
        public let pausesGroups: Bool

        /// Creates an environment.
        public init(
            patience: Int = 1,
            checksTimeOnManualClock: Bool = false,
            pausesGroups: Bool = true,
            closeBroker: @escaping @Sendable (any BrokerAdmin) async -> Void = { _ in },
            makeBroker: @escaping @Sendable () async throws -> any BrokerAdmin
        ) {
            self.makeBroker = makeBroker
            self.closeBroker = closeBroker
            self.patience = patience
            self.checksTimeOnManualClock = checksTimeOnManualClock
            self.pausesGroups = pausesGroups
        }

        /// Runs `body` with a fresh broker and closes it afterwards, even when `body` throws.
        func withBroker<T: Sendable>(_ body: (any BrokerAdmin) async throws -> T) async throws -> T {
            try await withResource(make: makeBroker, release: closeBroker, body)
        }

        /// A generous limit for one wait.
        var waitLimit: Duration { .seconds(10 * patience) }
    }

    /// One behaviour to check.
    public typealias Case = ConformanceCase<Environment>

    /// Every case, in a stable order.
    public static let cases: [Case] =
        PublishingCases.all + OrderingCases.all + RedeliveryCases.all + DeduplicationCases.all
        + PositionCases.all + FlowControlCases.all + ValidationCases.all + AdminCases.all
}
