import Foundation
import Herald
import HeraldLog
import HeraldTesting
import Synchronization
import Testing

@Suite("Embedded log: creating one topic from many calls at once")
struct ConcurrentCreateTopicTests {
    /// How many calls returned, shared with their tasks.
    private final class Returned: Sendable {
        let count = Mutex(0)
    }

    @Test("calls that create a topic another call is creating all return once it exists, each woken by the one before")
    func waitersAreWoken() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem))
            // The first call's files wait on the disk while the others arrive.
            let stall = fileSystem.stall(pathsContaining: "/topics/orders")
            let configuration = TopicConfiguration(name: "orders", partitions: 2)
            let calls = 5
            let returned = Returned()
            let allReturned = AsyncSignal()
            let tasks = (0..<calls).map { _ in
                Task {
                    try await broker.createTopic(configuration)
                    if returned.count.withLock({ count -> Int in
                        count += 1
                        return count
                    }) == calls {
                        allReturned.notify()
                    }
                }
            }
            await stall.reached()
            #expect(returned.count.withLock { $0 } == 0, "no call returned before the topic's files were written")
            stall.resume()
            // Not awaited directly: a call left waiting would hang the test instead of failing it.
            await allReturned.wait(until: .now + .seconds(10))
            #expect(returned.count.withLock { $0 } == calls, "every call returned once the topic existed")
            for task in tasks { task.cancel() }
            for task in tasks { _ = try? await task.value }
            #expect(try await broker.describeTopic("orders").partitions.count == 2)
            try await broker.close()
        }
    }
}
