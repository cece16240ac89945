import HeraldTesting

/// The card terminal as a simulated dependency: the verifier records each charge and makes the terminal
/// slow, failing or down as the run's fault profile says.
struct SimulatedCardTerminal: CardTerminal {
    let dependency: SimulatedDependency

    func charge(orderID: String, cents: Int, idempotencyKey: String) async throws -> Int {
        try await dependency.perform("charge \(orderID) \(cents)", key: orderID, idempotencyKey: idempotencyKey) { 1 }
    }
}
