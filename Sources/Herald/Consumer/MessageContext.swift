import Logging
import Synchronization

/// What middleware and handlers see of one delivery: the delivery itself, a logger carrying the
/// delivery's metadata, a publisher that stamps lineage on what the handler publishes, and the
/// delivery's settlement, which the first settler wins — whether it settles through the context or
/// through ``delivery`` (`context.delivery.nack(retryAfter:)`): the consumer then does not acknowledge
/// what the handler settled.
public struct MessageContext: Sendable {
    /// The delivery being handled. Its verbs share the context's settlement: the first settler wins.
    public let delivery: Delivery
    /// A logger with `herald.topic`, `herald.group`, `herald.partition`, `herald.offset`,
    /// `herald.event.id`, `herald.event.type` and `herald.attempt` set.
    public var logger: Logger
    /// Publishes events caused by this one; see ``Publisher``.
    public private(set) var publisher: Publisher
    private let settler: FirstSettlerWins

    /// Creates a context for a delivery.
    public init(delivery: Delivery, logger: Logger, publisher: Publisher) {
        let settler = FirstSettlerWins(base: delivery.acknowledger)
        self.settler = settler
        self.delivery = delivery.settled(through: settler)
        var logger = logger
        logger[metadataKey: LogKey.topic] = "\(delivery.topic)"
        logger[metadataKey: LogKey.group] = "\(delivery.group)"
        logger[metadataKey: LogKey.partition] = "\(delivery.partition.index)"
        logger[metadataKey: LogKey.offset] = "\(delivery.offset.value)"
        logger[metadataKey: LogKey.eventID] = "\(delivery.event.id)"
        logger[metadataKey: LogKey.eventType] = "\(delivery.event.type)"
        logger[metadataKey: LogKey.attempt] = "\(delivery.attempt)"
        self.logger = logger
        self.publisher = publisher
    }

    /// The same context, its publisher sending to `sink` (for example the outbox of the transaction the
    /// handler writes in). The settlement stays shared with this context.
    public func publishing(to sink: any EventSink) -> MessageContext {
        var copy = self
        copy.publisher = publisher.sending(to: sink)
        return copy
    }

    /// The event being handled.
    public var event: Event { delivery.event }

    /// How the delivery has been settled so far, or `nil` if it has not.
    public var settlement: Settlement? { settler.settlement }

    /// Settles the delivery, unless something already has: the first settlement wins and later ones are
    /// ignored. Returns whether this call settled it.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record the settlement; the delivery then counts as
    ///   unsettled and comes back after its deadline.
    @discardableResult
    public func settle(_ settlement: Settlement) async throws -> Bool {
        try await settler.claimAndSettle(delivery.token, settlement)
    }

    /// Restarts the delivery's ack deadline. - Throws: ``BrokerError``.
    public func inProgress() async throws {
        try await delivery.inProgress()
    }
}

/// The settlement of one delivery, shared by the copies of its context and by its ``Delivery``'s verbs: the
/// first settlement is passed to the broker, later ones are ignored (unless the first failed).
private final class FirstSettlerWins: DeliveryAcknowledger {
    private let base: any DeliveryAcknowledger
    // Mutex: a handler's child tasks (a timeout, say) may settle concurrently with the chain.
    private let value = Mutex<Settlement?>(nil)

    init(base: any DeliveryAcknowledger) {
        self.base = base
    }

    var settlement: Settlement? { value.withLock { $0 } }

    /// Settles unless something already has; returns whether this call settled.
    ///
    /// - Throws: what the broker throws; the delivery then counts as unsettled.
    func claimAndSettle(_ token: DeliveryToken, _ settlement: Settlement) async throws -> Bool {
        let claimed = value.withLock { current in
            guard current == nil else { return false }
            current = settlement
            return true
        }
        guard claimed else { return false }
        do {
            try await base.settle(token, settlement)
            return true
        } catch {
            value.withLock { $0 = nil }
            throw error
        }
    }

    func settle(_ token: DeliveryToken, _ settlement: Settlement) async throws {
        _ = try await claimAndSettle(token, settlement)
    }

    func extendDeadline(_ token: DeliveryToken) async throws {
        try await base.extendDeadline(token)
    }
}
