import Herald
import HeraldTesting
import Testing

/// A deterministic generator (SeededRandomGenerator) so jitter tests are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct MiddlewareRetryPolicyTests {
    @Test func hasTheDocumentedDefaults() {
        let policy = RetryPolicy()
        #expect(policy.maximumAttempts == 3)
        #expect(policy.initialDelay == .milliseconds(100))
        #expect(policy.maximumDelay == .seconds(10))
        #expect(policy.multiplier == 2)
        #expect(policy.jitter == .full)
    }

    @Test func growsExponentiallyWithoutJitter() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), multiplier: 2, jitter: .none)
        var generator = SeededGenerator(state: 1)
        let delays = (1...4).map { policy.delay(beforeRetry: $0, using: &generator) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    @Test func capsTheDelayAtTheMaximum() {
        let policy = RetryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(5), multiplier: 2, jitter: .none)
        var generator = SeededGenerator(state: 1)
        #expect(policy.delay(beforeRetry: 3, using: &generator) == .seconds(4))
        #expect(policy.delay(beforeRetry: 4, using: &generator) == .seconds(5))
        #expect(policy.delay(beforeRetry: 10_000, using: &generator) == .seconds(5))
        #expect(policy.delay(beforeRetry: Int.max, using: &generator) == .seconds(5))
    }

    @Test func countsRetriesBelowOneAsTheFirst() {
        let policy = RetryPolicy(jitter: .none)
        var generator = SeededGenerator(state: 1)
        #expect(policy.delay(beforeRetry: 0, using: &generator) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: -5, using: &generator) == .milliseconds(100))
    }

    @Test func aMultiplierOfOneKeepsTheDelayConstant() {
        let policy = RetryPolicy(initialDelay: .milliseconds(250), multiplier: 1, jitter: .none)
        var generator = SeededGenerator(state: 1)
        #expect((1...5).map { policy.delay(beforeRetry: $0, using: &generator) } == Array(repeating: .milliseconds(250), count: 5))
    }

    @Test func fullJitterStaysBetweenZeroAndTheCapAndVaries() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: .full)
        var generator = SeededGenerator(state: 42)
        for retry in 1...6 {
            let cap = min(Duration.milliseconds(100) * (1 << (retry - 1)), .seconds(1))
            let delays = (0..<200).map { _ in policy.delay(beforeRetry: retry, using: &generator) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= cap })
            #expect(Set(delays).count > 150, "full jitter should spread the delays")
            #expect(delays.contains { $0 < cap / 4 } && delays.contains { $0 > cap * 3 / 4 })
        }
    }

    @Test func theSameSeedGivesTheSameDelays() {
        let policy = RetryPolicy()
        var first = SeededGenerator(state: 7)
        var second = SeededGenerator(state: 7)
        let a = (1...5).map { policy.delay(beforeRetry: $0, using: &first) }
        let b = (1...5).map { policy.delay(beforeRetry: $0, using: &second) }
        #expect(a == b)
    }

    @Test func validatesEverySetting() throws {
        try RetryPolicy().validate()
        let invalid: [(RetryPolicy, String)] = [
            (RetryPolicy(maximumAttempts: 0), "maximumAttempts"),
            (RetryPolicy(initialDelay: .milliseconds(-1)), "initialDelay"),
            (RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(1)), "maximumDelay"),
            (RetryPolicy(multiplier: 0.5), "multiplier"),
            (RetryPolicy(multiplier: .infinity), "multiplier"),
        ]
        for (policy, setting) in invalid {
            let error = #expect(throws: MiddlewareConfigurationError.self) { try policy.validate() }
            #expect(error?.setting == setting)
            #expect(error?.message.contains(setting) == true)
        }
    }
}
