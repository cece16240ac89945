import Foundation
import Herald
import HeraldPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

struct OrderPlaced: TypedEvent {
    static let eventType = "shop.order.placed"
    var orderID: String
    var subject: String? { orderID }
}

struct InvoiceIssued: TypedEvent {
    static let eventType = "shop.invoice.issued"
    var orderID: String
    var subject: String? { orderID }
}

let logger = Logger(label: "shop")
let url = ProcessInfo.processInfo.environment["HERALD_POSTGRES_URL"] ?? "postgres://herald@127.0.0.1:5432/postgres"
let client = PostgresClient(configuration: try PostgresURL(url).clientConfiguration)
let database = Task { await client.run() }
let broker = try await PostgresBroker.connect(url)  // any Herald broker can be the relay's target
let outbox = try PostgresOutbox()
let relay = try OutboxRelay(outbox: outbox, client: client, target: broker)
let inbox = try PostgresInbox(client: client, consumer: "billing", outbox: outbox)

try await outbox.prepare(on: client)
try await client.query("CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY)")
try await client.query("CREATE TABLE IF NOT EXISTS invoices (order_id text PRIMARY KEY)")
for topic in ["orders", "invoices"] { try await broker.createTopic(TopicConfiguration(name: topic)) }

// The order row and its event commit together, or neither does.
let orderID = "A-\(Int.random(in: 1000...9999))"
try await client.withTransaction(logger: logger) { connection in
    try await connection.query("INSERT INTO orders (id) VALUES (\(orderID))", logger: logger)
    let placed = try Event(OrderPlaced(orderID: orderID), source: "/shop/orders")
    try await outbox.enqueue([placed], to: "orders", on: connection)
}

// Billing: the inbox record, the invoice row and the InvoiceIssued event (into the outbox) commit
// together; a redelivered OrderPlaced is recognised and skipped.
var billing = Consumer(broker: broker, configuration: ConsumerConfiguration(group: "billing"))
billing.handle(OrderPlaced.self, from: "orders") { order, context in
    try await inbox.handle(context) { connection, context in
        try await connection.query("INSERT INTO invoices (order_id) VALUES (\(order.orderID))", logger: logger)
        try await context.publisher.publish(InvoiceIssued(orderID: order.orderID), to: "invoices")
    }
}
let services = ServiceGroup(configuration: .init(services: [broker, relay, billing], logger: logger))
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    let invoices = try await broker.subscribe(to: "invoices", group: "mail", options: SubscriptionOptions())
    for try await delivery in invoices where delivery.event.subject == orderID {
        print("order \(orderID) invoiced: \(delivery.event.type)")
        try await delivery.ack()
        break
    }
    await invoices.close()
    await services.triggerGracefulShutdown()
    try await group.waitForAll()
}
database.cancel()
