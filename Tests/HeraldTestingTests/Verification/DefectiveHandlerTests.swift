import Foundation
import Herald
import HeraldTesting
import Testing

/// Handlers written with known defects, each caught by the verifier with a reproduction of at most three
/// events; and the correct version of each surviving the same profile.
@Suite("Verifier: defective handlers are caught, correct ones survive")
struct DefectiveHandlerTests {
    /// Charges every delivery: a duplicate charges twice.
    static func payments(idempotent: Bool) -> Verifier<[String: Int]> {
        Verifier(name: idempotent ? "idempotent payments" : "non-idempotent payments") { world in
            let ledger = Tally()
            let bank = world.dependency("bank")
            let middleware: [any Middleware] =
                idempotent ? [try IdempotencyMiddleware(store: try InMemoryIdempotencyStore(now: world.continuousNow))] : []
            var billing = world.consumer(group: "billing", middleware: middleware)
            billing.handle(PaymentRequested.self, from: "payments") { payment, _ in
                try await bank.perform("charge \(payment.order) \(payment.cents)", key: payment.order) {
                    ledger.add(payment.cents, to: payment.order)
                }
            }
            return VerifiedHandlers(consumers: [billing]) { ledger.snapshot }
        }
    }

    @Test("a non-idempotent payment handler charges twice on a duplicate delivery; with the idempotency middleware it does not")
    func nonIdempotentPayment() async throws {
        let profile = FaultProfile(.duplicateDelivery)
        let report = try await Self.payments(idempotent: false).verify(try paymentScenario(), profiles: [profile])
        let failure = try #require(report.failures.first, "\(report.text)")
        let reproduction = try #require(failure.reproduction)
        #expect(reproduction.invariant == "each side effect at most once")
        #expect(reproduction.steps.count <= 3 && reproduction.steps.count >= 1, "\(reproduction.text)")
        #expect(reproduction.faults.count == 1, "\(reproduction.text)")
        let fixed = try await Self.payments(idempotent: true).verify(try paymentScenario(), profiles: [profile])
        #expect(fixed.passed, "\(fixed.text)")
    }

    /// Keeps the balance that arrived last (defective) or the one of the highest version (correct).
    static func balances(byVersion: Bool) -> Verifier<[String: Int]> {
        Verifier(name: byVersion ? "versioned balances" : "last-arrival balances") { world in
            let balances = Tally()
            let versions = Tally()
            var accounts = world.consumer(group: "accounts")
            accounts.handle(BalanceChanged.self, from: "balances") { change, _ in
                if byVersion, let known = versions.value(change.account), known >= change.version { return }
                versions.set(change.version, for: change.account)
                balances.set(change.balance, for: change.account)
            }
            return VerifiedHandlers(consumers: [accounts]) { balances.snapshot }
        }
    }

    @Test("an order-dependent handler ends in the wrong state when events are reordered; ordering by version survives")
    func orderDependent() async throws {
        var scenario = Scenario(name: "balances")
        for version in 1...4 {
            try scenario.publish(BalanceChanged(account: "acc-1", version: version, balance: version * 10), to: "balances", after: .seconds(1))
            try scenario.publish(BalanceChanged(account: "acc-2", version: version, balance: version * 7), to: "balances", after: .seconds(1))
        }
        let profile = FaultProfile(.reorderedPublishing)
        let report = try await Self.balances(byVersion: false).verify(scenario, profiles: [profile])
        let reproduction = try #require(report.failures.first?.reproduction, "\(report.text)")
        #expect(reproduction.invariant == "same final state as the reference")
        #expect(reproduction.steps.count <= 3 && reproduction.steps.count >= 2, "\(reproduction.text)")
        let fixed = try await Self.balances(byVersion: true).verify(scenario, profiles: [profile])
        #expect(fixed.passed, "\(fixed.text)")
    }

    @Test("a handler keyed by the event timestamp drops a distinct event of the same millisecond; keyed by id it does not")
    func timestampAsKey() async throws {
        func readings(keyedByTime: Bool) -> Verifier<[String: Int]> {
            Verifier(name: keyedByTime ? "readings keyed by time" : "readings keyed by id") { world in
                let sums = Tally()
                var meters = world.consumer(group: "meters")
                meters.handle(ReadingTaken.self, from: "readings") { reading, context in
                    let key = keyedByTime ? "\(context.event.time?.timeIntervalSince1970 ?? 0)" : "\(context.event.source)#\(context.event.id)"
                    guard sums.firstTime(key) else { return }
                    sums.add(reading.value, to: reading.sensor)
                }
                return VerifiedHandlers(consumers: [meters]) { sums.snapshot }
            }
        }
        var scenario = Scenario(name: "readings")
        for index in 1...5 { try scenario.publish(ReadingTaken(sensor: "s-\(index % 2)", value: index), to: "readings", after: .milliseconds(250)) }
        let profile = FaultProfile(.sameTimestamp)
        let report = try await readings(keyedByTime: true).verify(scenario, profiles: [profile])
        let failure = try #require(report.failures.first, "\(report.text)")
        #expect(failure.violations.map(\.invariant).contains("same final state as the reference"))
        let reproduction = try #require(failure.reproduction)
        #expect(reproduction.steps.count == 2, "\(reproduction.text)")
        let fixed = try await readings(keyedByTime: false).verify(scenario, profiles: [profile])
        #expect(fixed.passed, "\(fixed.text)")
    }

    @Test("a handler that trusts the payload under a reused key skips a conflicting event silently; the idempotency middleware dead-letters it")
    func trustsReusedKey() async throws {
        func payments(fingerprinted: Bool) -> Verifier<[String: Int]> {
            Verifier(name: fingerprinted ? "fingerprinted payments" : "payments trusting their key") { world in
                let ledger = Tally()
                let bank = world.dependency("bank")
                let middleware: [any Middleware] =
                    fingerprinted ? [try IdempotencyMiddleware(store: try InMemoryIdempotencyStore(now: world.continuousNow))] : []
                var billing = world.consumer(group: "billing", middleware: middleware)
                billing.handle(PaymentRequested.self, from: "payments") { payment, context in
                    guard fingerprinted || ledger.firstTime(context.event.id) else { return }
                    try await bank.perform("charge \(payment.order) \(payment.cents)") { ledger.add(payment.cents, to: payment.order) }
                }
                return VerifiedHandlers(consumers: [billing]) { ledger.snapshot }
            }
        }
        let profile = FaultProfile(.conflictingPayload)
        let report = try await payments(fingerprinted: false).verify(try paymentScenario(), profiles: [profile])
        let reproduction = try #require(report.failures.first?.reproduction, "\(report.text)")
        #expect(reproduction.invariant == "no event lost")
        #expect(reproduction.violation.contains("silently skipped"), "\(reproduction.text)")
        #expect(reproduction.steps.count == 1, "\(reproduction.text)")
        let fixed = try await payments(fingerprinted: true).verify(try paymentScenario(), profiles: [profile])
        #expect(fixed.passed, "\(fixed.text)")
    }

    @Test("a handler whose timeout is shorter than a slow dependency repeats its charge; passing an idempotency key downstream does not")
    func timeoutShorterThanDependency() async throws {
        func payments(idempotencyKey: Bool) -> Verifier<[String: Int]> {
            Verifier(name: idempotencyKey ? "charges with a key" : "charges without a key") { world in
                let ledger = Tally()
                let bank = world.dependency("bank")
                var billing = world.consumer(group: "billing", middleware: [try TimeoutMiddleware(limit: .seconds(10), clock: world.clock)])
                billing.handle(PaymentRequested.self, from: "payments") { payment, _ in
                    try await bank.perform("charge \(payment.order) \(payment.cents)", idempotencyKey: idempotencyKey ? payment.order : nil) {
                        ledger.add(payment.cents, to: payment.order)
                    }
                }
                return VerifiedHandlers(consumers: [billing]) { ledger.snapshot }
            }
        }
        let profile = FaultProfile(.slowDependency)
        let report = try await payments(idempotencyKey: false).verify(try paymentScenario(), profiles: [profile])
        let reproduction = try #require(report.failures.first?.reproduction, "\(report.text)")
        #expect(reproduction.invariant == "each side effect at most once")
        #expect(reproduction.steps.count == 1, "\(reproduction.text)")
        let fixed = try await payments(idempotencyKey: true).verify(try paymentScenario(), profiles: [profile])
        #expect(fixed.passed, "\(fixed.text)")
    }

    @Test(
        "the same seed gives the same schedule and the same result, profiles run at once or one at a time; the reproduction replays to the same violation"
    )
    func deterministic() async throws {
        var verifier = Self.payments(idempotent: false)
        verifier.parallelRuns = 3
        var oneAtATime = verifier
        oneAtATime.parallelRuns = 1
        let profiles = [FaultProfile(.duplicateDelivery), FaultProfile(.lostAcknowledgement), FaultProfile(.redeliveryStorm)]
        let first = try await verifier.verify(try paymentScenario(), profiles: profiles, seed: 42)
        let second = try await oneAtATime.verify(try paymentScenario(), profiles: profiles, seed: 42)
        #expect(first.profiles.map(\.profile) == profiles)
        #expect(first.profiles.map(\.faultsStruck) == second.profiles.map(\.faultsStruck))
        #expect(first.profiles.map(\.violations) == second.profiles.map(\.violations))
        #expect(first.profiles.map { $0.reproduction?.text } == second.profiles.map { $0.reproduction?.text })
        let reproduction = try #require(first.failures.first?.reproduction)
        let replayed = try await verifier.replay(reproduction)
        #expect(replayed.contains { $0.invariant == reproduction.invariant && $0.findings.first == reproduction.violation })
        let other = try await verifier.verify(try paymentScenario(), profiles: profiles, seed: 43)
        #expect(other.profiles.map(\.faultsStruck) != first.profiles.map(\.faultsStruck) || other.text != first.text)
    }
}
