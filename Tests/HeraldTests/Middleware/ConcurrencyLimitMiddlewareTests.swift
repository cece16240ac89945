import Herald
import Testing

@Suite struct ConcurrencyLimitMiddlewareTests {
    @Test func letsAtMostTheLimitInAtOnce() async throws {
        let middleware = try ConcurrencyLimitMiddleware(limit: 2)
        let gates = (0..<6).map { _ in Gate() }
        let (entries, entered) = AsyncStream.makeStream(of: Int.self)
        let inside = LockedBox((now: 0, most: 0))
        let context = makeTestContext(for: try makeTestEvent())

        try await withThrowingTaskGroup(of: Void.self) { group in
            // Should an expectation fail, let every handler finish so the group can end.
            defer { for gate in gates { gate.open() } }
            for index in gates.indices {
                group.addTask {
                    try await middleware.handle(context) { _ in
                        inside.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        entered.yield(index)
                        await gates[index].wait()
                        inside.withLock { $0.now -= 1 }
                    }
                }
            }
            var iterator = entries.makeAsyncIterator()
            var running = [try #require(await iterator.next()), try #require(await iterator.next())]
            try await waitUntil("four deliveries wait") { middleware.waitingCount == 4 }
            #expect(inside.withLock { $0.now } == 2)
            #expect(middleware.runningCount == 2)

            for remainingWaiters in stride(from: 3, through: 0, by: -1) {
                gates[running.removeFirst()].open()
                running.append(try #require(await iterator.next()))
                #expect(middleware.waitingCount == remainingWaiters)
                #expect(inside.withLock { $0.now } == 2)
            }
            for index in running { gates[index].open() }
            try await group.waitForAll()
        }

        #expect(inside.withLock { $0.most } == 2)
        #expect(middleware.runningCount == 0)
    }

    @Test func copiesShareOneLimit() async throws {
        let original = try ConcurrencyLimitMiddleware(limit: 1)
        let copy = original
        let gate = Gate()
        let (entries, entered) = AsyncStream.makeStream(of: Void.self)
        let context = makeTestContext(for: try makeTestEvent())

        defer { gate.open() }
        let holder = Task {
            try await original.handle(context) { _ in
                entered.yield()
                await gate.wait()
            }
        }
        var iterator = entries.makeAsyncIterator()
        await iterator.next()
        let waiter = Task { try await copy.handle(context) { _ in } }
        try await waitUntil("the copy's delivery waits") { original.waitingCount == 1 }
        gate.open()
        try await holder.value
        try await waiter.value
        #expect(original.waitingCount == 0)
    }

    @Test func aCancelledWaiterLeavesTheLineWithoutRunningTheHandler() async throws {
        let middleware = try ConcurrencyLimitMiddleware(limit: 1)
        let gate = Gate()
        let (entries, entered) = AsyncStream.makeStream(of: Void.self)
        let context = makeTestContext(for: try makeTestEvent())
        let waiterRan = InvocationCounter()
        defer { gate.open() }

        let holder = Task {
            try await middleware.handle(context) { _ in
                entered.yield()
                await gate.wait()
            }
        }
        var iterator = entries.makeAsyncIterator()
        await iterator.next()
        let waiter = Task { try await middleware.handle(context) { _ in waiterRan.increment() } }
        try await waitUntil("the second delivery waits") { middleware.waitingCount == 1 }

        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(middleware.waitingCount == 0)
        #expect(waiterRan.count == 0)

        gate.open()
        try await holder.value
        try await middleware.handle(context) { _ in waiterRan.increment() }
        #expect(waiterRan.count == 1, "the slot is free again: no permit was lost")
        #expect(middleware.runningCount == 0)
    }

    @Test func releasesTheSlotWhenTheHandlerThrows() async throws {
        let middleware = try ConcurrencyLimitMiddleware(limit: 1)
        let context = makeTestContext(for: try makeTestEvent())
        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in throw TransientTestError() }
        }
        #expect(middleware.runningCount == 0)
        try await middleware.handle(context) { _ in }
    }

    @Test func refusesALimitBelowOne() {
        #expect(throws: MiddlewareConfigurationError.self) { try ConcurrencyLimitMiddleware(limit: 0) }
    }
}

@Suite struct MiddlewareAsyncSemaphoreTests {
    @Test func servesWaitersFirstInFirstOut() async throws {
        let semaphore = try AsyncSemaphore(limit: 1)
        try await semaphore.wait()
        let order = LockedBox<[Int]>([])
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<4 {
            tasks.append(
                Task {
                    try await semaphore.wait()
                    order.withLock { $0.append(index) }
                    semaphore.signal()
                })
            try await waitUntil("waiter \(index) is queued") { semaphore.waitingCount == index + 1 }
        }

        semaphore.signal()
        for task in tasks { try await task.value }

        #expect(order.withLock { $0 } == [0, 1, 2, 3])
        #expect(semaphore.availablePermits == 1)
    }

    @Test func aCancelledWaiterIsSkippedAndOthersStillServed() async throws {
        let semaphore = try AsyncSemaphore(limit: 1)
        try await semaphore.wait()
        let order = LockedBox<[Int]>([])
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<3 {
            tasks.append(
                Task {
                    try await semaphore.wait()
                    order.withLock { $0.append(index) }
                    semaphore.signal()
                })
            try await waitUntil("waiter \(index) is queued") { semaphore.waitingCount == index + 1 }
        }

        tasks[1].cancel()
        await #expect(throws: CancellationError.self) { try await tasks[1].value }
        #expect(semaphore.waitingCount == 2)
        semaphore.signal()
        try await tasks[0].value
        try await tasks[2].value

        #expect(order.withLock { $0 } == [0, 2])
        #expect(semaphore.availablePermits == 1)
    }

    @Test func anAlreadyCancelledTaskTakesNoPermit() async throws {
        let semaphore = try AsyncSemaphore(limit: 2)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await semaphore.wait()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(semaphore.availablePermits == 2)
    }

    @Test func withPermitReturnsTheBodysValueAndThePermit() async throws {
        let semaphore = try AsyncSemaphore(limit: 1)
        let value = try await semaphore.withPermit {
            #expect(semaphore.availablePermits == 0)
            return 42
        }
        #expect(value == 42)
        #expect(semaphore.availablePermits == 1)
    }

    @Test func refusesALimitBelowOne() {
        #expect(throws: MiddlewareConfigurationError.self) { try AsyncSemaphore(limit: 0) }
    }
}
