import HeraldTesting

/// A set of handlers registered for `herald verify`: run under seed 003's misconceptions, it returns the
/// verifier's report.
struct VerificationTarget: Sendable {
    /// What `herald verify` is given to choose it.
    let name: String
    /// One line on what it verifies.
    let summary: String
    /// Verifies the handlers with the scenario's size, the profiles and the seed.
    let verify: @Sendable (_ size: ScenarioSize, _ profiles: [FaultProfile], _ seed: UInt64) async throws -> VerificationReport

    /// The registered targets.
    static let all: [VerificationTarget] = [CoffeeShopVerification.target]
}

/// How many events a registered target's scenario publishes, and over how much simulated time.
struct ScenarioSize: Sendable {
    /// Events published (`nil`: the target's own scenario, as the demo runs it).
    var events: Int?
    /// Simulated time the events are spread over (`nil`: the target's default).
    var span: Duration?
}
