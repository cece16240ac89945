import Herald
import Synchronization

/// A downstream system a handler calls during a verification (a payment provider, a mail service): wrap
/// each call's effect in ``perform(_:key:idempotencyKey:_:)`` so the verifier records it and can make it
/// slow, fail, fail after taking effect, or refuse everything for a while, as the profile of the run says.
///
/// ```swift
/// let bank = journal.dependency("bank")
/// consumer.handle(PaymentRequested.self, from: "payments") { payment, _ in
///     try await bank.perform("charge \(payment.order) \(payment.cents)", idempotencyKey: payment.order) {
///         await ledger.charge(payment)
///     }
/// }
/// ```
public final class SimulatedDependency: Sendable {
    /// The dependency's name.
    public let name: String
    private let journal: RunJournal
    // Mutex: calls come from concurrent handlers. Results by idempotency key, and calls per effect.
    private let state = Mutex<(results: [String: any Sendable], calls: [String: Int])>(([:], [:]))

    init(name: String, journal: RunJournal) {
        self.name = name
        self.journal = journal
    }

    /// Performs `body` — the effect on the downstream system — as the run's profile says, and records it.
    ///
    /// - Parameters:
    ///   - effect: what the call does, named so that the same effect is named the same every time
    ///     (`charge A-1 450`): the verifier counts and orders effects by it.
    ///   - key: the key whose effects must keep their order (an account, an order), for the per-key
    ///     order check.
    ///   - idempotencyKey: a key the downstream system de-duplicates calls by (as payment providers do):
    ///     a second call with it returns the first call's result without a second effect.
    ///   - body: the effect.
    /// - Returns: what `body` returned (the first call's result for a repeated idempotency key).
    /// - Throws: ``DependencyFailure`` (retryable) when the profile fails the call; ``SimulatedCrash`` when it
    ///   crashes the consumer after the effect; `CancellationError` when the handler is cancelled (timed
    ///   out) while the answer is slow; what `body` throws.
    @discardableResult
    public func perform<Result: Sendable>(
        _ effect: String, key: String? = nil, idempotencyKey: String? = nil, _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let plan = journal.plan
        let call = state.withLock { state -> Int in
            state.calls[effect, default: 0] += 1
            return state.calls[effect] ?? 1
        }
        journal.noteDependencyCall()
        let site = FaultSite(action: "call \(name)", subject: effect, attempt: call)
        if plan.plays(.dependencyOutage), journal.isInOutage(), plan.strikes(site, for: .dependencyOutage, probability: 1) {
            throw DependencyFailure(dependency: name, effect: effect, tookEffect: false)
        }
        let failing = plan.plays(.failingDependency) && call <= 2 && plan.strikes(site, for: .failingDependency, probability: 0.4)
        if failing, plan.unitValue(for: site) < 0.2 {
            throw DependencyFailure(dependency: name, effect: effect, tookEffect: false)
        }
        let result: Result
        if let idempotencyKey, let earlier = state.withLock({ $0.results[idempotencyKey] }) as? Result {
            result = earlier
        } else {
            result = try await body()
            if let idempotencyKey { state.withLock { $0.results[idempotencyKey] = result } }
            journal.record(target: name, effect: effect, key: key)
        }
        if failing { throw DependencyFailure(dependency: name, effect: effect, tookEffect: true) }
        if plan.plays(.slowDependency), let profile = plan.profile, plan.strikes(site, for: .slowDependency, probability: 1) {
            try await journal.clock.sleep(until: journal.clock.now.advanced(by: profile.duration))
        }
        try journal.crashIfPlanned(after: "\(name): \(effect)", attempt: call)
        return result
    }
}
