import Logging
import Synchronization

/// What middleware and handlers see of one delivery: the delivery itself, a logger carrying the
/// delivery's metadata, a publisher that stamps lineage on what the handler publishes, and the
/// delivery's settlement, which the first settler wins.
public struct MessageContext: Sendable {
    /// The delivery being handled.
    public let delivery: Delivery
    /// A logger with `herald.topic`, `herald.group`, `herald.partition`, `herald.offset`,
    /// `herald.event.id`, `herald.event.type` and `herald.attempt` set.
    public var logger: Logger
    /// Publishes events caused by this one; see ``Publisher``.
    public let publisher: Publisher
    private let state: SettlementState

    /// Creates a context for a delivery.
    public init(delivery: Delivery, logger: Logger, publisher: Publisher) {
        self.delivery = delivery
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
        self.state = SettlementState()
    }

    /// The event being handled.
    public var event: Event { delivery.event }

    /// How the delivery has been settled so far, or `nil` if it has not.
    public var settlement: Settlement? { state.settlement }

    /// Settles the delivery, unless something already has: the first settlement wins and later ones are
    /// ignored. Returns whether this call settled it.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record the settlement; the delivery then counts as
    ///   unsettled and comes back after its deadline.
    @discardableResult
    public func settle(_ settlement: Settlement) async throws -> Bool {
        guard state.claim(settlement) else { return false }
        do {
            try await delivery.settle(settlement)
            return true
        } catch {
            state.unclaim()
            throw error
        }
    }

    /// Restarts the delivery's ack deadline. - Throws: ``BrokerError``.
    public func inProgress() async throws {
        try await delivery.inProgress()
    }
}

/// The settlement of one delivery, shared by the copies of its context.
private final class SettlementState: Sendable {
    // Mutex: a handler's child tasks (a timeout, say) may settle concurrently with the chain.
    private let value = Mutex<Settlement?>(nil)

    var settlement: Settlement? { value.withLock { $0 } }

    func claim(_ settlement: Settlement) -> Bool {
        value.withLock { current in
            guard current == nil else { return false }
            current = settlement
            return true
        }
    }

    func unclaim() {
        value.withLock { $0 = nil }
    }
}
