import Herald

/// Settles one delivery of a ``GroupRuntime``; holds the delivery's ack subject so that an
/// acknowledgement still reaches the server after the runtime returned the message.
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

    func extendDeadline(_ token: DeliveryToken) async throws {
        try await runtime.extendDeadline(token)
    }
}
