import Foundation
import Herald
import NIOCore

/// The event-store conformance suite: what every ``EventStore`` backend must do, written once and run
/// against each.
///
/// ```swift
/// @Test(arguments: EventStoreConformance.cases)
/// func conformance(_ testCase: EventStoreConformance.Case) async throws {
///     try await testCase.run(EventStoreConformance.Environment { InMemoryEventStore() })
/// }
/// ```
///
/// Each case names its streams with a unique suffix and filters the global order by them, so backends
/// on a shared server need no cleanup between cases. Every wait is bounded.
public enum EventStoreConformance {
    /// How the suite gets stores.
    public struct Environment: Sendable {
        /// Makes a store (once per case).
        public let makeStore: @Sendable () async throws -> any EventStore
        /// Releases a store the suite made. Default: nothing.
        public let closeStore: @Sendable (any EventStore) async -> Void
        /// Scales the time limits of waits; raise it for slow backends. Default 1.
        public let patience: Int

        /// Creates an environment.
        public init(
            patience: Int = 1, closeStore: @escaping @Sendable (any EventStore) async -> Void = { _ in },
            makeStore: @escaping @Sendable () async throws -> any EventStore
        ) {
            self.makeStore = makeStore
            self.closeStore = closeStore
            self.patience = patience
        }

        /// Runs `body` with a fresh store and closes it afterwards, even when `body` throws.
        func withStore<T: Sendable>(_ body: (any EventStore) async throws -> T) async throws -> T {
            try await withResource(make: makeStore, release: closeStore, body)
        }

        /// A generous limit for one wait.
        var waitLimit: Duration { .seconds(15 * patience) }
    }

    /// One behaviour to check.
    public typealias Case = ConformanceCase<Environment>

    /// Every case, in a stable order.
    public static let cases: [Case] = EventStoreAppendCases.all + EventStoreConcurrencyCases.all + EventStoreSubscriptionCases.all

    /// A stream name unique to one run of one case.
    static func stream(_ label: String) -> String {
        "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Events with ids unique to this run: `<prefix>-<n>` for each `n` of `range`.
    static func events(_ prefix: String, _ range: Range<Int>) throws -> [Event] {
        try range.map { index in
            try Event(
                id: "\(prefix)-\(index)", source: "/conformance/event-store", type: "conformance.recorded.v1",
                extensions: ["correlationid": "flow-\(prefix)"], data: ByteBuffer(string: "{\"n\":\(index)}"))
        }
    }
}
