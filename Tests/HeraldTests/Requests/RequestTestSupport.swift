import Herald
import HeraldTesting
import Logging
import ServiceLifecycle

/// A command the request tests send.
struct ChargeCard: TypedCommand, Equatable {
    static let eventType = "test.card.charge"
    var orderID: String
    var cents: Int
    var subject: String? { orderID }
}

/// The completion of ``ChargeCard``.
struct CardCharged: TypedEvent, Equatable {
    static let eventType = "test.card.charged"
    var orderID: String
    var subject: String? { orderID }
}

/// A query the request tests ask.
struct OrderTotal: TypedQuery, Equatable {
    typealias Response = OrderTotalAnswer
    static let eventType = "test.order.total"
    var orderID: String
}

/// The answer to ``OrderTotal``.
struct OrderTotalAnswer: TypedEvent, Equatable {
    static let eventType = "test.order.total.answer"
    var orderID: String
    var cents: Int
}

/// Runs `services` for the duration of `body`, then shuts them down gracefully.
func running<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services, logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A broker with the request tests' topics.
func requestBroker() async throws -> InMemoryBroker {
    let broker = InMemoryBroker(logger: quietLogger)
    for topic in ["commands", "replies", "payments", "queries"] {
        try await broker.createTopic(TopicConfiguration(name: topic))
    }
    return broker
}
