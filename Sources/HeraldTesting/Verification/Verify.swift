/// Runs `handlers` under every misconception of seed 003: `scenario` fault-free as the reference, then
/// under each of `profiles` with `seed`, checking the standard invariants and `invariant`, and shrinking
/// each failure to a minimal reproduction. A shorthand for ``Verifier/verify(_:profiles:seed:)``.
///
/// - Parameters:
///   - name: the name the report uses.
///   - handlers: builds the handlers for one run (afresh each time) in the run's ``VerificationWorld``.
///   - scenario: the events to publish.
///   - invariant: an invariant of your own, checked after ``Invariant/standard``.
///   - profiles: the faults to play; default all of them.
///   - seed: the seed; the same seed replays the same runs.
/// - Throws: as ``Verifier/verify(_:profiles:seed:)``.
public func verify<State: Equatable & Sendable>(
    name: String = "handlers", handlers: @escaping @Sendable (VerificationWorld) async throws -> VerifiedHandlers<State>, scenario: Scenario,
    invariant: Invariant<State>? = nil, profiles: [FaultProfile] = FaultProfile.all, seed: UInt64 = 1
) async throws -> VerificationReport {
    let invariants = Invariant<State>.standard + (invariant.map { [$0] } ?? [])
    return try await Verifier(name: name, invariants: invariants, handlers: handlers).verify(scenario, profiles: profiles, seed: seed)
}
