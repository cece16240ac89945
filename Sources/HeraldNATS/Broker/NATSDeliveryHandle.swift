import Herald

/// Settles one delivery of a ``GroupRuntime``; holds the delivery's ack subject so that an
/// acknowledgement still reaches the server after the runtime returned the message. Deliveries of one
/// runtime are acknowledged together (``GroupRuntime/acknowledge(_:)``: one write of their `+ACK`s).
final class NATSDeliveryHandle: DeliveryAcknowledger {
    let runtime: GroupRuntime
    let replyTo: String

    init(runtime: GroupRuntime, replyTo: String) {
        self.runtime = runtime
        self.replyTo = replyTo
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        try await runtime.settle(token, settlement, replyTo: replyTo)
    }

    func settle(_ deliveries: ArraySlice<Delivery>, _ settlement: Settlement) async throws {
        var acknowledged: [(token: DeliveryToken, replyTo: String)] = []
        acknowledged.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            guard case .ack = settlement, let handle = delivery.acknowledger as? NATSDeliveryHandle, handle.runtime === runtime else {
                try await delivery.settle(settlement)
                continue
            }
            acknowledged.append((delivery.token, handle.replyTo))
        }
        try await runtime.acknowledge(acknowledged)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try await runtime.extendDeadline(token)
    }

    var batchIdentity: ObjectIdentifier? { ObjectIdentifier(runtime) }
}
