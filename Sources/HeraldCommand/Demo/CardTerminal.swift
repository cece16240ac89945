/// Where the cashier charges cards: the demo's flaky ``PaymentGateway``, or a simulated dependency when
/// `herald verify` runs the shop's handlers under faults.
protocol CardTerminal: Sendable {
    /// Charges `cents` for `orderID`; a second call with the same `idempotencyKey` returns the first
    /// call's result without charging again (as payment providers do). Returns the attempt that charged.
    func charge(orderID: String, cents: Int, idempotencyKey: String) async throws -> Int
}
