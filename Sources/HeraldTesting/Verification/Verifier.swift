import Foundation
import Herald

/// Runs a team's handlers under every misconception of seed 003, deterministically: the scenario first
/// fault-free (the reference), then under each ``FaultProfile`` with the seed; each run's outcome is
/// checked against the reference by the invariants; a failure is shrunk to the fewest events and faults
/// that still break the invariant, printed with the seed so that ``replay(_:)`` plays it again exactly.
/// Every run is a ``Simulation``: days of simulated time take milliseconds.
///
/// ```swift
/// let verifier = Verifier(name: "billing") { world in
///     let ledger = Ledger()
///     var billing = world.consumer(group: "billing")
///     billing.handle(PaymentRequested.self, from: "payments") { payment, _ in
///         try await world.dependency("bank").perform("charge \(payment.order)", idempotencyKey: payment.order) {
///             await ledger.charge(payment)
///         }
///     }
///     return VerifiedHandlers(consumers: [billing]) { await ledger.balances }
/// }
/// let report = try await verifier.verify(scenario)
/// #expect(report.passed, "\(report.text)")
/// ```
public struct Verifier<State: Equatable & Sendable>: Sendable {
    /// The name reports use.
    public var name: String
    /// The invariants every run must keep. Default ``Invariant/standard``.
    public var invariants: [Invariant<State>]
    /// Topics created before the handlers are built (those the scenario publishes to are created when
    /// missing, with the defaults).
    public var topics: [TopicConfiguration]
    /// The most simulated time a run may take to settle after its last event. Default 30 days.
    public var settleLimit: Duration
    /// The most runs shrinking one failure may take. Default 120.
    public var shrinkBudget: Int
    /// Real seconds without progress after which a run counts as stalled. Default 10.
    public var stallLimit: TimeInterval
    /// How many profiles run at once, each in its own simulation on its own thread. Default the
    /// machine's active processor count. Each run is deterministic on its own, so the report does not
    /// depend on this number, only the wall time does.
    public var parallelRuns: Int
    private let handlers: @Sendable (VerificationWorld) async throws -> VerifiedHandlers<State>

    /// A verifier of the handlers `handlers` builds for each run (anew each time, with fresh state).
    public init(
        name: String, topics: [TopicConfiguration] = [], invariants: [Invariant<State>] = Invariant.standard,
        handlers: @escaping @Sendable (VerificationWorld) async throws -> VerifiedHandlers<State>
    ) {
        self.name = name
        self.topics = topics
        self.invariants = invariants
        self.settleLimit = .seconds(30 * 86_400)
        self.shrinkBudget = 120
        self.stallLimit = 10
        self.parallelRuns = ProcessInfo.processInfo.activeProcessorCount
        self.handlers = handlers
    }

    private var runner: VerificationRun<State> {
        VerificationRun(handlers: handlers, topics: topics, settleLimit: settleLimit, restartDelay: .seconds(5), stallLimit: stallLimit)
    }

    /// Runs `scenario` fault-free, then under each of `profiles` with `seed`, and reports.
    ///
    /// - Throws: ``VerificationError`` when the reference run itself does not settle or breaks an
    ///   invariant; ``SimulationError`` when a run waits on something outside the simulation; what the
    ///   handlers' setup throws.
    public func verify(_ scenario: Scenario, profiles: [FaultProfile] = FaultProfile.all, seed: UInt64 = 1) async throws -> VerificationReport {
        let started = Date()
        let reference = try await runner.run(scenario, plan: FaultPlan(profile: nil, seed: seed))
        if !reference.unsettled.isEmpty {
            throw VerificationError.referenceDidNotSettle(scenario: scenario.name, unsettled: reference.unsettled)
        }
        let results = try await verifyEach(scenario, under: profiles, seed: seed, reference: reference)
        let checklist = MisconceptionCatalog.all.map { line in Self.verdict(of: line, results: results) }
        return VerificationReport(
            name: name, scenario: scenario.name, events: scenario.steps.count, seed: seed, profiles: results, checklist: checklist,
            referenceSimulatedSeconds: reference.simulatedDuration.timeInterval, wallSeconds: Date().timeIntervalSince(started))
    }

    /// Plays `reproduction` again: the same events, the same faults, the same seed. Returns what it breaks
    /// (none if the handlers were fixed).
    ///
    /// - Throws: as ``verify(_:profiles:seed:)``.
    public func replay(_ reproduction: Reproduction) async throws -> [ProfileResult.Violation] {
        let reference = try await runner.run(reproduction.scenario, plan: FaultPlan(profile: nil, seed: reproduction.seed))
        let plan = FaultPlan(profile: reproduction.profile, seed: reproduction.seed, allowed: Set(reproduction.faults))
        let outcome = try await runner.run(reproduction.scenario, plan: plan)
        return violations(reference: reference, outcome: outcome)
    }

    /// Each of `profiles`' results, in their order, with at most ``parallelRuns`` of them running at once.
    private func verifyEach(
        _ scenario: Scenario, under profiles: [FaultProfile], seed: UInt64, reference: VerificationOutcome<State>
    ) async throws -> [ProfileResult] {
        try await withThrowingTaskGroup(of: (Int, ProfileResult).self) { group in
            var results = [ProfileResult?](repeating: nil, count: profiles.count)
            var next = profiles.startIndex
            func startNext() {
                guard next < profiles.endIndex else { return }
                let index = next
                let profile = profiles[index]
                next += 1
                group.addTask { (index, try await verify(scenario, under: profile, seed: seed, reference: reference)) }
            }
            for _ in 0..<max(1, parallelRuns) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                startNext()
            }
            return results.compactMap { $0 }
        }
    }

    private func verify(
        _ scenario: Scenario, under profile: FaultProfile, seed: UInt64, reference: VerificationOutcome<State>
    ) async throws -> ProfileResult {
        if profile.needsDependencies, reference.dependencyCalls == 0 {
            return ProfileResult(
                profile: profile, status: .notApplicable, reason: "the handlers made no SimulatedDependency call in the reference run",
                violations: [], faultsStruck: 0, reproduction: nil, simulatedSeconds: 0)
        }
        if profile.kind == .consumerCrash, reference.effects.isEmpty {
            return ProfileResult(
                profile: profile, status: .notApplicable, reason: "the handlers had no side effect (dependency call or publish) to crash after",
                violations: [], faultsStruck: 0, reproduction: nil, simulatedSeconds: 0)
        }
        let outcome = try await runner.run(scenario, plan: FaultPlan(profile: profile, seed: seed))
        let found = violations(reference: reference, outcome: outcome)
        guard let first = found.first else {
            let nothingStruck = outcome.faults.isEmpty && profile.kind != .burst && profile.kind != .competingConsumers
            return ProfileResult(
                profile: profile, status: nothingStruck ? .notApplicable : .survived,
                reason: nothingStruck ? "the scenario gave this fault no place to strike with seed \(seed)" : nil, violations: [],
                faultsStruck: outcome.faults.count, reproduction: nil, simulatedSeconds: outcome.simulatedDuration.timeInterval)
        }
        let reproduction = try await shrink(scenario, profile: profile, seed: seed, invariant: first.invariant, faults: outcome.faults)
        return ProfileResult(
            profile: profile, status: .failed, reason: nil, violations: found, faultsStruck: outcome.faults.count, reproduction: reproduction,
            simulatedSeconds: outcome.simulatedDuration.timeInterval)
    }

    private func violations(reference: VerificationOutcome<State>, outcome: VerificationOutcome<State>) -> [ProfileResult.Violation] {
        invariants.compactMap { invariant in
            let findings = invariant.violations(reference: reference, outcome: outcome)
            return findings.isEmpty ? nil : ProfileResult.Violation(invariant: invariant.name, findings: findings)
        }
    }

    /// The fewest events (by delta debugging over the scenario's steps) and then the fewest faults (each
    /// dropped in turn) with which `invariant` still breaks, within ``shrinkBudget`` runs.
    private func shrink(
        _ scenario: Scenario, profile: FaultProfile, seed: UInt64, invariant: String, faults: [FaultSite]
    ) async throws -> Reproduction {
        var budget = shrinkBudget
        var best = (steps: scenario.steps, faults: faults, violation: "")
        func breaks(_ steps: [Scenario.Step], allowed: Set<FaultSite>?) async throws -> (faults: [FaultSite], violation: String)? {
            guard budget > 0, !steps.isEmpty else { return nil }
            budget -= 1
            var reduced = scenario
            reduced.steps = steps
            let reference = try await runner.run(reduced, plan: FaultPlan(profile: nil, seed: seed))
            guard reference.unsettled.isEmpty else { return nil }
            let outcome = try await runner.run(reduced, plan: FaultPlan(profile: profile, seed: seed, allowed: allowed))
            guard let broken = violations(reference: reference, outcome: outcome).first(where: { $0.invariant == invariant }) else { return nil }
            return (outcome.faults, broken.findings.first ?? "")
        }
        if let confirmed = try await breaks(best.steps, allowed: nil) {
            best = (best.steps, confirmed.faults, confirmed.violation)
        }
        var granularity = 2
        while best.steps.count > 1, budget > 0 {
            let chunk = max(1, (best.steps.count + granularity - 1) / granularity)
            var reduced = false
            for start in stride(from: 0, to: best.steps.count, by: chunk) {
                var candidate = best.steps
                candidate.removeSubrange(start..<min(candidate.count, start + chunk))
                if let found = try await breaks(candidate, allowed: nil) {
                    best = (candidate, found.faults, found.violation)
                    granularity = max(2, granularity - 1)
                    reduced = true
                    break
                }
            }
            if !reduced {
                if chunk == 1 { break }
                granularity = min(best.steps.count, granularity * 2)
            }
        }
        var kept = best.faults
        for site in best.faults where budget > 0 {
            let fewer = kept.filter { $0 != site }
            if let found = try await breaks(best.steps, allowed: Set(fewer)) {
                kept = fewer
                best.violation = found.violation
            }
        }
        var reduced = scenario
        reduced.steps = best.steps
        return Reproduction(invariant: invariant, violation: best.violation, profile: profile, seed: seed, scenario: reduced, faults: kept)
    }

    private static func verdict(of line: Misconception, results: [ProfileResult]) -> VerificationReport.Line {
        let relevant = results.filter { line.profiles.contains($0.profile.kind) }
        let status: ProfileResult.Status
        var reason = line.notApplicable
        if line.notApplicable != nil {
            status = .notApplicable
        } else if relevant.contains(where: { $0.status == .failed }) {
            status = .failed
        } else if relevant.contains(where: { $0.status == .survived }) {
            status = .survived
        } else {
            status = .notApplicable
            reason = relevant.isEmpty ? "none of its profiles was run" : relevant.compactMap(\.reason).first
        }
        return VerificationReport.Line(
            category: line.category, belief: line.belief, status: status, profiles: line.profiles.map(\.rawValue), reason: reason,
            herald: line.heraldAnswer)
    }
}

/// A verification could not run.
public enum VerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The fault-free run left events unsettled: the scenario or the handlers never finish (a handler
    /// that always fails and is never dead-lettered, a missing handler topic).
    case referenceDidNotSettle(scenario: String, unsettled: [String])

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .referenceDidNotSettle(let scenario, let unsettled):
            "the fault-free run of scenario '\(scenario)' did not settle (\(unsettled.joined(separator: "; "))): fix the handlers or the scenario before verifying them under faults"
        }
    }
}
