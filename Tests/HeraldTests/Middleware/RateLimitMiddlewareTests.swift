import Herald
import Synchronization
import Testing

/// A sleep for `RateLimitMiddleware` tests: records each wait and moves `time` forward by it.
final class ClockAdvancingSleeper: Sendable {
    private let durations = Mutex<[Duration]>([])
    let time: ManualTime
    let advances: Bool

    init(time: ManualTime, advances: Bool = true) {
        self.time = time
        self.advances = advances
    }

    var recorded: [Duration] { durations.withLock { $0 } }

    var sleep: @Sendable (Duration) async throws -> Void {
        { duration in
            self.durations.withLock { $0.append(duration) }
            if self.advances { self.time.advance(by: duration) }
        }
    }
}

@Suite struct RateLimitMiddlewareTests {
    private func approximatelyEqual(_ lhs: [Duration], _ rhs: [Duration]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { abs($0 - $1) < .microseconds(1) }
    }

    private func abs(_ duration: Duration) -> Duration { duration < .zero ? .zero - duration : duration }

    @Test func letsABurstThroughWithoutWaiting() async throws {
        let time = ManualTime()
        let sleeper = ClockAdvancingSleeper(time: time)
        let middleware = try RateLimitMiddleware(eventsPerSecond: 1, burst: 3, now: { time.now }, sleep: sleeper.sleep)
        let calls = InvocationCounter()
        let context = makeTestContext(for: try makeTestEvent())

        for _ in 0..<3 { try await middleware.handle(context) { _ in calls.increment() } }

        #expect(calls.count == 3)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func waitsForTokensAtTheSteadyRate() async throws {
        let time = ManualTime()
        let sleeper = ClockAdvancingSleeper(time: time)
        let middleware = try RateLimitMiddleware(eventsPerSecond: 2, burst: 2, now: { time.now }, sleep: sleeper.sleep)
        let calls = InvocationCounter()
        let context = makeTestContext(for: try makeTestEvent())

        for _ in 0..<5 { try await middleware.handle(context) { _ in calls.increment() } }

        #expect(calls.count == 5)
        #expect(approximatelyEqual(sleeper.recorded, [.milliseconds(500), .milliseconds(500), .milliseconds(500)]))
    }

    @Test func refillsAfterAQuietPeriodButNotBeyondTheBurst() async throws {
        let time = ManualTime()
        let sleeper = ClockAdvancingSleeper(time: time)
        let middleware = try RateLimitMiddleware(eventsPerSecond: 10, burst: 2, now: { time.now }, sleep: sleeper.sleep)
        let context = makeTestContext(for: try makeTestEvent())

        for _ in 0..<2 { try await middleware.handle(context) { _ in } }
        time.advance(by: .seconds(60))
        for _ in 0..<3 { try await middleware.handle(context) { _ in } }

        #expect(approximatelyEqual(sleeper.recorded, [.milliseconds(100)]))
    }

    @Test func waitingDeliveriesReserveTokensInArrivalOrder() async throws {
        let time = ManualTime()
        // The clock does not move: each waiter reserves the token after the previous waiter's.
        let sleeper = ClockAdvancingSleeper(time: time, advances: false)
        let middleware = try RateLimitMiddleware(eventsPerSecond: 1, burst: 1, now: { time.now }, sleep: sleeper.sleep)
        let context = makeTestContext(for: try makeTestEvent())

        for _ in 0..<4 { try await middleware.handle(context) { _ in } }

        #expect(approximatelyEqual(sleeper.recorded, [.seconds(1), .seconds(2), .seconds(3)]))
    }

    @Test func aCancelledWaiterGivesItsTokenBackAndSkipsTheHandler() async throws {
        let time = ManualTime()
        let recorded = LockedBox<[Duration]>([])
        let cancelNext = LockedBox(true)
        let middleware = try RateLimitMiddleware(eventsPerSecond: 1, burst: 1, now: { time.now }) { duration in
            recorded.withLock { $0.append(duration) }
            if cancelNext.withLock({ $0 }) { throw CancellationError() }
        }
        let context = makeTestContext(for: try makeTestEvent())
        let calls = InvocationCounter()

        try await middleware.handle(context) { _ in calls.increment() }
        await #expect(throws: CancellationError.self) {
            try await middleware.handle(context) { _ in calls.increment() }
        }
        cancelNext.withLock { $0 = false }
        try await middleware.handle(context) { _ in calls.increment() }

        #expect(calls.count == 2)
        #expect(approximatelyEqual(recorded.withLock { $0 }, [.seconds(1), .seconds(1)]))
    }

    @Test func refusesInvalidSettings() {
        #expect(throws: MiddlewareConfigurationError.self) { try RateLimitMiddleware(eventsPerSecond: 0, burst: 1) }
        #expect(throws: MiddlewareConfigurationError.self) { try RateLimitMiddleware(eventsPerSecond: .nan, burst: 1) }
        #expect(throws: MiddlewareConfigurationError.self) { try RateLimitMiddleware(eventsPerSecond: 5, burst: 0) }
    }
}
