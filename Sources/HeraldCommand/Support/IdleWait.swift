import Herald

/// Waits until consumer groups have acknowledged everything, for brokers that offer no signal of their
/// own: polls each group's lag every 20 ms.
enum IdleWait {
    /// Returns once every group in `groups` has nothing pending or in flight.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming the busy groups when `timeout` passes.
    static func untilIdle(_ broker: any Broker, groups: [GroupReference], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            var busy: [String] = []
            for reference in groups {
                let lag = try await broker.lag(group: reference.group, on: reference.topic)
                if lag.totalPending > 0 { busy.append("\(reference.topic)/\(reference.group)") }
            }
            if busy.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw BrokerError.unavailable("still not idle after \(timeout); groups with unacknowledged events: \(busy)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
