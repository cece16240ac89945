import Herald

/// The subscription engine of one member of a ``GroupRuntime``.
struct NATSGroupMemberSource: SubscriptionSource {
    let runtime: GroupRuntime
    let member: UInt64
    let signal: AsyncSignal

    func next() async throws -> Delivery? {
        while true {
            try Task.checkCancellation()
            switch await runtime.take(for: member) {
            case .handout(let handout):
                return runtime.delivery(handout)
            case .closed:
                return nil
            case .wait(let deadline):
                await signal.wait(until: deadline)
            }
        }
    }

    func next(upTo maximum: Int) async throws -> [Delivery] {
        guard maximum > 0 else { return [] }
        while true {
            try Task.checkCancellation()
            let (handouts, result) = await runtime.take(for: member, limit: maximum)
            if !handouts.isEmpty { return handouts.map(runtime.delivery) }
            switch result {
            case .closed:
                return []
            case .wait(let deadline):
                await signal.wait(until: deadline)
            case .handout(let handout):
                return [runtime.delivery(handout)]
            }
        }
    }

    func drain() async {
        runtime.drain(member)
    }

    var endedByBrokerShutdown: Bool {
        get async { runtime.isDrainingForShutdown }
    }

    func close() async {
        await runtime.leave(member)
        signal.notify()
    }
}
