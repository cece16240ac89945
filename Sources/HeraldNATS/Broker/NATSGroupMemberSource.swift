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
