import Herald

/// The subscriptions through which HTTP pull consumers take deliveries: one member per topic and group in
/// this server, joined on the first fetch and shared by every client of that group (each delivery goes to
/// one of them). Clients settle by token; deliveries still held when the server stops are released.
actor PullSubscriptions {
    private struct Key: Hashable {
        var topic: String
        var group: String
    }

    private let broker: any BrokerAdmin
    private let options: SubscriptionOptions
    private var subscriptions: [Key: Task<Subscription, any Error>] = [:]
    private var isClosed = false

    init(broker: any BrokerAdmin, options: SubscriptionOptions) {
        self.broker = broker
        self.options = options
    }

    /// The subscription of `group` on `topic`, joined on first use with `settings` (a new group takes them;
    /// an existing group keeps its own, as for any subscriber).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, an invalid group name or settings; `.closed` once the
    ///   server stops.
    func subscription(topic: String, group: String, settings: GroupSettings? = nil) async throws -> Subscription {
        if isClosed { throw BrokerError.closed() }
        let key = Key(topic: topic, group: group)
        if let existing = subscriptions[key] {
            return try await existing.value
        }
        let broker = broker
        var options = options
        settings?.apply(to: &options)
        let joining = Task { try await broker.subscribe(to: topic, group: group, options: options) }
        subscriptions[key] = joining
        do {
            return try await joining.value
        } catch {
            // Not kept: the next fetch tries again (the topic may exist by then).
            subscriptions[key] = nil
            throw error
        }
    }

    /// Closes every subscription: deliveries still held are released for redelivery.
    func closeAll() async {
        isClosed = true
        let all = subscriptions.values
        subscriptions = [:]
        for joining in all {
            if let subscription = try? await joining.value { await subscription.close() }
        }
    }
}
