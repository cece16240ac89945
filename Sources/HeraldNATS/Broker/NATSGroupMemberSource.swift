import Herald

/// The subscription engine of one member of a ``GroupRuntime``. `next()` takes a batch ahead
/// (``ReadAhead``), so that a consumer handling one delivery at a time takes the runtime's lock once per
/// batch; deliveries that wait there too long, or are still there when the member drains or closes, go
/// back to the runtime without counting as an attempt.
struct NATSGroupMemberSource: SubscriptionSource {
    let runtime: GroupRuntime
    let member: UInt64
    let signal: AsyncSignal
    let readAhead: ReadAhead

    init(runtime: GroupRuntime, member: UInt64, signal: AsyncSignal, options: SubscriptionOptions) {
        self.runtime = runtime
        self.member = member
        self.signal = signal
        self.readAhead = ReadAhead(for: options)
    }

    func next() async throws -> Delivery? {
        if runtime.isDrainingForShutdown {
            // The broker shuts down: what was read ahead goes back, nothing more is handed out.
            await giveBackReadAhead()
            return nil
        }
        return try await readAhead.next(
            giveBack: { await runtime.giveBack($0.map(\.token)) },
            take: { try await take(upTo: $0) }
        )
    }

    func next(upTo maximum: Int) async throws -> [Delivery] {
        try await readAhead.next(upTo: maximum) { try await take(upTo: $0) }
    }

    private func take(upTo maximum: Int) async throws -> [Delivery] {
        guard maximum > 0 else { return [] }
        while true {
            try Task.checkCancellation()
            let (handouts, result) = await runtime.take(for: member, limit: maximum)
            if !handouts.isEmpty { return handouts.map(runtime.delivery) }
            switch result {
            case .closed:
                return []
            case .wait(let deadline):
                await signal.wait(until: deadline?.instant)
            case .handout(let handout):
                return [runtime.delivery(handout)]
            }
        }
    }

    func drain() async {
        await giveBackReadAhead()
        runtime.drain(member)
    }

    var endedByBrokerShutdown: Bool {
        get async { runtime.isDrainingForShutdown }
    }

    func close() async {
        await giveBackReadAhead()
        await runtime.leave(member)
        signal.notify()
    }

    /// What the consumer never saw goes back without counting as an attempt.
    private func giveBackReadAhead() async {
        let unseen = readAhead.removeAll()
        if !unseen.isEmpty { await runtime.giveBack(unseen.map(\.token)) }
    }
}
