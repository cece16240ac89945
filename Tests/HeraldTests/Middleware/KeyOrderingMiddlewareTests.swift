import Herald
import Synchronization
import Testing

@Suite("KeyOrderingMiddleware")
struct KeyOrderingMiddlewareTests {
    @Test("handlers of one key run one at a time")
    func serialisesOneKey() async throws {
        let middleware = KeyOrderingMiddleware()
        let log = LockedBox<[String]>([])
        let active = LockedBox((now: 0, peak: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                let context = makeTestContext(for: try makeTestEvent(id: "e\(index)", extensions: ["partitionkey": "order-1"]))
                group.addTask {
                    try await middleware.handle(context) { _ in
                        active.withLock {
                            $0.now += 1
                            $0.peak = max($0.peak, $0.now)
                        }
                        await Task.yield()
                        log.withLock { $0.append("e\(index)") }
                        active.withLock { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(active.withLock { $0.peak } == 1)
        #expect(log.withLock { $0.count } == 20)
    }

    @Test("different keys run in parallel")
    func parallelAcrossKeys() async throws {
        let middleware = KeyOrderingMiddleware()
        let arrived = LockedBox(0)
        let bothInside = AsyncSignal()
        let leave = AsyncSignal()
        let leaveOther = AsyncSignal()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (key, exit) in [("a", leave), ("b", leaveOther)] {
                let context = makeTestContext(for: try makeTestEvent(id: key, extensions: ["partitionkey": key]))
                group.addTask {
                    try await middleware.handle(context) { _ in
                        if arrived.withLock({
                            $0 += 1
                            return $0
                        }) == 2 {
                            bothInside.notify()
                        }
                        await exit.wait()
                    }
                }
            }
            // Both handlers are inside at once: key "a" does not block key "b".
            await bothInside.wait()
            leave.notify()
            leaveOther.notify()
            try await group.waitForAll()
        }
        #expect(arrived.withLock { $0 } == 2)
    }

    @Test("a second handler of a held key waits until the first finishes")
    func waitsForHolder() async throws {
        let middleware = KeyOrderingMiddleware()
        let firstInside = AsyncSignal()
        let releaseFirst = AsyncSignal()
        let order = LockedBox<[String]>([])
        let first = makeTestContext(for: try makeTestEvent(id: "first", extensions: ["partitionkey": "k"]))
        let second = makeTestContext(for: try makeTestEvent(id: "second", extensions: ["partitionkey": "k"]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await middleware.handle(first) { _ in
                    firstInside.notify()
                    await releaseFirst.wait()
                    order.withLock { $0.append("first") }
                }
            }
            await firstInside.wait()
            group.addTask {
                try await middleware.handle(second) { _ in order.withLock { $0.append("second") } }
            }
            // Give the second handler every chance to overtake; it must not.
            for _ in 0..<100 { await Task.yield() }
            #expect(order.withLock { $0 }.isEmpty)
            releaseFirst.notify()
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 } == ["first", "second"])
    }
}
