import Herald

/// A runtime settles its own deliveries: every ``Delivery`` it hands out names it as the acknowledger, so
/// that no object is made per delivery. It finds a delivery's ack subject by its token (held, or
/// remembered after the message went back to the server), and acknowledges deliveries of the same runtime
/// together (one state change, one write of their `+ACK`s).
extension GroupRuntime: DeliveryAcknowledger {
    func settle(_ deliveries: ArraySlice<Delivery>, _ settlement: Settlement) async throws {
        var tokens: [DeliveryToken] = []
        tokens.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            guard case .ack = settlement, let runtime = delivery.acknowledger as? GroupRuntime, runtime === self else {
                try await delivery.settle(settlement)
                continue
            }
            tokens.append(delivery.token)
        }
        try await acknowledge(tokens)
    }

    var batchIdentity: ObjectIdentifier? { ObjectIdentifier(self) }
}
