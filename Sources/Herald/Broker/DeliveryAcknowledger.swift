/// The broker side of a ``Delivery``: what its verbs call. Each backend implements it.
public protocol DeliveryAcknowledger: Sendable {
    /// Settles the delivery identified by `token`. Settling a delivery that is already settled, or that a
    /// seek has made stale, has no effect.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record the settlement.
    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws

    /// Restarts the delivery's ack deadline.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record it.
    func extendDeadline(_ token: DeliveryToken) async throws

    /// Settles several deliveries the same way, in one step where the backend can.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record the settlements.
    func settle(_ tokens: [DeliveryToken], _ settlement: Settlement) async throws

    /// Settles deliveries that share this acknowledger's ``batchIdentity`` the same way, for a backend
    /// that needs more of each delivery than its token (the default settles their tokens).
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record the settlements.
    func settle(_ deliveries: ArraySlice<Delivery>, _ settlement: Settlement) async throws

    /// Identifies the acknowledger when deliveries that share it can be settled together in one
    /// ``settle(_:_:)-([DeliveryToken],_)`` call (`nil`, the default: settle each alone).
    var batchIdentity: ObjectIdentifier? { get }
}

extension DeliveryAcknowledger {
    /// `nil`: deliveries are settled one by one.
    public var batchIdentity: ObjectIdentifier? { nil }

    /// One settlement after another: for backends without a batch path.
    public func settle(_ tokens: [DeliveryToken], _ settlement: Settlement) async throws {
        for token in tokens {
            try await settle(token, settlement)
        }
    }

    /// Settles the deliveries' tokens together.
    public func settle(_ deliveries: ArraySlice<Delivery>, _ settlement: Settlement) async throws {
        try await settle(deliveries.map(\.token), settlement)
    }
}

/// Identifies one delivery to its broker; opaque to consumers.
public struct DeliveryToken: Sendable, Hashable {
    /// The backend's own identification of the delivery.
    public var rawValue: UInt64
    /// The position the delivery was for, as the backend needs it to settle.
    public var partition: Partition
    /// The offset the delivery was for.
    public var offset: Offset
    /// The group epoch the delivery belongs to (a seek starts a new one).
    public var epoch: UInt64

    /// Creates a token.
    public init(rawValue: UInt64, partition: Partition, offset: Offset, epoch: UInt64) {
        self.rawValue = rawValue
        self.partition = partition
        self.offset = offset
        self.epoch = epoch
    }
}
