import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Synchronization
import Testing

private struct ParcelShipped: TypedEvent, Equatable {
    static let eventType = "test.parcel.shipped"
    var parcel: String
}

private struct CourierUnavailable: Error {}

@Suite("Test harness on the embedded log")
struct TestHarnessOnLogTests {
    @Test("the harness runs on any broker: consumers on an embedded log; handled counts events, attempts counts tries")
    func harnessOnLog() async throws {
        try await withTemporaryDirectory { directory in
            let log = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let harness = TestHarness(broker: log)
            try await harness.createTopic("parcels")
            let tries = SharedCounter()
            var consumer = harness.consumer(group: "tracking")
            consumer.handle(ParcelShipped.self, from: "parcels") { parcel, _ in
                if parcel.parcel == "P-2", tries.increment() < 3 { throw CourierUnavailable() }
            }
            try await harness.publish(ParcelShipped(parcel: "P-1"), to: "parcels")
            try await harness.publish(ParcelShipped(parcel: "P-2"), to: "parcels")
            try await harness.run([consumer])

            #expect(Set(try harness.handled(ParcelShipped.self, by: "tracking").map(\.parcel)) == ["P-1", "P-2"])
            #expect(harness.handled(by: "tracking").count == 2, "one record per event handled")
            #expect(harness.attempts(by: "tracking").count == 4, "P-2 was tried three times")
            #expect(try await log.describeTopic("parcels").events == 2)
            try await log.close()
        }
    }
}

/// A counter shared with a handler.
private final class SharedCounter: Sendable {
    private let count = Mutex(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}
