import Herald
import Logging
import ServiceLifecycle

struct OrderPlaced: TypedEvent {
    static let eventType = "coffee.order.placed"  // travels as type "coffee.order.placed.v1"
    var orderID: String
    var drink: String
    var subject: String? { orderID }  // the partition key: one order's events stay in order
}

let broker = InMemoryBroker()
try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))

var kitchen = Consumer(
    broker: broker,
    configuration: ConsumerConfiguration(group: "kitchen"),
    // Retries in process, then redelivery by the broker with a growing delay, then dead letters.
    failurePolicy: FailurePolicy(retry: RetryPolicy(maximumAttempts: 3)),
    // Added inside the standard tracing, metrics, logging and correlation middleware.
    middleware: [try TimeoutMiddleware(limit: .seconds(5))]
)
kitchen.handle(OrderPlaced.self, from: "orders") { order, context in
    context.logger.info("brewing \(order.drink)")
}

let publisher = Publisher(broker: broker, source: "/coffee/counter")
try await publisher.publish(OrderPlaced(orderID: "A-1", drink: "latte"), to: "orders")

// The broker first: services stop in reverse order, so the kitchen settles what it holds before the broker
// closes. SIGTERM or SIGINT (Ctrl-C) starts the graceful shutdown.
let services = ServiceGroup(
    configuration: .init(services: [broker, kitchen], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "coffee"))
)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    // Wait until every event published so far is handled (as tests and scripts do):
    try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "kitchen")], timeout: .seconds(10))
    print("order A-1 handled; running until SIGTERM or SIGINT")
    try await group.waitForAll()
}
