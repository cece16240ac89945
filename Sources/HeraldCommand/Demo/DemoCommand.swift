import ArgumentParser
import Foundation
import Herald
import HeraldLog
import HeraldNATS
import HeraldPostgres
import Logging
import NIOCore
import ServiceLifecycle

/// `herald demo`: a coffee shop's events flowing through Herald.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a coffee-shop event flow: retries, dead letters, stopped duplicates, and one flow choreographed and orchestrated.",
        discussion: """
            Orders flow from the counter to the cashier (who charges the card), the barista and the bell. \
            One card terminal times out twice before it works, one order arrives malformed, one order is \
            re-sent with the same event id and one is re-sent as a new event with the same idempotency key; \
            the espresso machine jams and the cashier, reacting to the barista's event, refunds (choreography). \
            Then an order saga runs the same shop (orchestration), refunding when the barista fails or does not \
            answer within a second; the demo prints both flows' traces and which services knew about which. \
            By default everything runs on the embedded durable log in a temporary directory that is removed \
            afterwards; --data-dir keeps it, --broker memory uses the in-memory broker, --nats URL runs \
            it on NATS JetStream (streams of a prefix of this run's own, deleted at the end), and \
            --postgres URL on PostgreSQL (a schema of this run's own, dropped at the end; --postgres-read URL \
            adds a streaming replica for the reads that may lag).
            """
    )

    @Flag(name: .long, help: "Show Herald's own log lines (info level) as well.")
    var verbose = false

    @Option(help: "The backend: log (the embedded durable log, the default) or memory.")
    var broker: BrokerChoice?

    @Option(help: "Where the embedded log keeps its files (default: a temporary directory removed at the end).")
    var dataDir: String?

    @Option(help: "Run on NATS JetStream at this URL (e.g. nats://127.0.0.1:4222; several separated by commas) instead of the embedded log.")
    var nats: String?

    @Option(help: "Run on PostgreSQL at this URL (e.g. postgres://user@127.0.0.1:5432/db) instead of the embedded log.")
    var postgres: String?

    @Option(help: "With --postgres: a streaming replica of it, for the reads that may lag (lag figures, topic descriptions).")
    var postgresRead: String?

    func validate() throws {
        if nats != nil, broker != nil || dataDir != nil {
            throw ValidationError("--nats runs the demo on NATS JetStream; --broker and --data-dir choose a local broker instead: give one or the other")
        }
        if postgres != nil, broker != nil || dataDir != nil || nats != nil {
            throw ValidationError("--postgres runs the demo on PostgreSQL; --nats, --broker and --data-dir choose another broker: give one")
        }
        if postgresRead != nil, postgres == nil {
            throw ValidationError("--postgres-read is a replica of the --postgres primary; give --postgres as well")
        }
        if broker == .memory, dataDir != nil {
            throw ValidationError("--data-dir is where the embedded log keeps its files; the in-memory broker (--broker memory) keeps none")
        }
    }

    func run() async throws {
        var logger = Logger(label: "herald.demo")
        logger.logLevel = verbose ? .info : .critical
        if let postgres {
            let options = try PostgresRun.options(url: postgres, readURL: postgresRead, schema: PostgresRun.schema(label: "herald_demo"))
            let broker = try await PostgresBroker.connect(options, logger: logger)
            let reads = postgresRead.map { ", reads from \($0)" } ?? ""
            do {
                try await runShop(on: broker, services: [], logger: logger, backend: "PostgreSQL at \(postgres)\(reads) (schema \(options.schema))")
            } catch {
                await PostgresRun.finish(broker)
                throw error
            }
            await PostgresRun.finish(broker)
            return
        }
        if let nats {
            let run = NATSRun(url: nats, label: "HERALD_DEMO")
            let broker = try await run.connect(logger: logger)
            do {
                try await runShop(on: broker, services: [], logger: logger, backend: "NATS JetStream at \(nats) (streams \(run.streamPrefix)_*)")
            } catch {
                await run.finish(broker)
                throw error
            }
            await run.finish(broker)
            return
        }
        switch broker ?? .log {
        case .memory:
            try await runShop(on: InMemoryBroker(logger: logger), services: [], logger: logger, backend: "the in-memory broker")
        case .log:
            if let dataDir, let contents = try? FileManager.default.contentsOfDirectory(atPath: dataDir), !contents.isEmpty {
                throw ValidationError(
                    "--data-dir \(dataDir) is not empty (a previous run's data?); the demo starts from an empty log: remove it or choose another directory"
                )
            }
            let directory = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("herald-demo-\(UUID().uuidString)").path
            defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let log = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory), logger: logger)
            try await runShop(on: log, services: [log], logger: logger, backend: "the embedded log in \(directory)")
        }
    }

    /// Runs both parts of the demo with the broker's own services (the embedded log's maintenance) running
    /// throughout, stopped after the shop's.
    private func runShop(on broker: any Broker, services brokerServices: [any Service], logger: Logger, backend: String) async throws {
        guard !brokerServices.isEmpty else {
            try await runShop(on: broker, logger: logger, backend: backend)
            return
        }
        let group = ServiceGroup(configuration: .init(services: brokerServices, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await runShop(on: broker, logger: logger, backend: backend)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func runShop(on broker: any Broker, logger: Logger, backend: String) async throws {
        let console = Console()
        let tally = DemoTally()
        for topic in CoffeeTopic.all {
            try await broker.createTopic(TopicConfiguration(name: topic, partitions: 2))
        }
        try await broker.createTopic(TopicConfiguration(name: CoffeeShop.deadLetterTopic, partitions: 2, deduplicationWindow: .zero))
        let shop = CoffeeShop(
            broker: broker,
            console: console,
            tally: tally,
            terminal: PaymentGateway(failuresBeforeSuccess: ["A-1002": 2]),
            logger: logger
        )
        let services = ServiceGroup(
            configuration: .init(services: try shop.consumers().map { $0 as any Service }, logger: logger)
        )
        let counter = Counter(broker: broker, console: console, tally: tally)

        console.say("Herald demo: a coffee shop on \(backend) (topics \(CoffeeTopic.all.joined(separator: ", ")))")
        console.say("— part 1: choreographed — each service reacts to the others' events; nobody is in charge —")
        let stored = try await withThrowingTaskGroup(of: Void.self) { group -> Int64 in
            group.addTask { try await services.run() }
            try await counter.openTheShop()
            try await waitUntilIdle(broker)
            try await counter.resendOrders()
            try await waitUntilIdle(broker)
            let stored = try await storedEvents(in: broker)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return stored
        }
        let choreography = FlowReport(broker: broker, topics: CoffeeTopic.all)
        let choreographed = try await choreography.traces(Counter.orders.map { "evt-\($0.orderID)" })
        if let jammed = choreographed.first(where: { $0.correlationID == "evt-\(CoffeeShop.jammedOrder)" }) {
            FlowReport.print("Trace of order \(CoffeeShop.jammedOrder), choreographed (rebuilt from correlation and causation ids)", jammed)
        }

        print("")
        console.say("— part 2: orchestrated — an order saga sends each service its commands and undoes the payment when brewing fails —")
        let orchestration = OrchestratedShop(broker: broker, console: console, tally: tally, logger: logger)
        let flows = try await orchestration.run()
        let orchestrated = try await FlowReport(broker: broker, topics: SagaTopic.all).traces(flows)
        if let silent = orchestrated.first(where: { $0.correlationID == "evt-\(OrchestratedShop.silentOrder)" }) {
            FlowReport.print("Trace of order \(OrchestratedShop.silentOrder), orchestrated (the barista never answered; the timeout refunded)", silent)
        }
        print("")
        print("Who had to know about whom (learned from the traces: a service knew another if it published in reaction to its events):")
        let sagaParts = [OrchestratedShop.timerSource: OrchestratedShop.sagaSource]
        print(
            FlowReport.comparison(
                choreographed: FlowReport.acquaintances(choreographed), orchestrated: FlowReport.acquaintances(orchestrated, aliases: sagaParts)))
        let counts = tally.snapshot
        print("")
        print(
            TextTable(
                header: ["summary", "count"],
                rows: [
                    ["events published (stored by the broker)", "\(stored)"],
                    ["events handled", "\(counts.handled)"],
                    ["attempts retried", "\(counts.retried)"],
                    ["events dead-lettered", "\(counts.deadLettered)"],
                    ["duplicates stopped", "\(counts.duplicatesStopped)"],
                ]
            ).render()
        )
    }

    private func waitUntilIdle(_ broker: any Broker) async throws {
        try await broker.waitUntilIdle(groups: CoffeeShop.groups, timeout: .seconds(30))
    }

    private func storedEvents(in broker: any Broker) async throws -> Int64 {
        var total: Int64 = 0
        for reference in CoffeeShop.groups where reference.topic != CoffeeShop.deadLetterTopic {
            total += try await broker.lag(group: reference.group, on: reference.topic).partitions.reduce(0) { $0 + $1.endOffset.value }
        }
        return total
    }
}

/// The producer side of the demo: the counter where orders are taken.
struct Counter {
    let broker: any Broker
    let console: Console
    let tally: DemoTally

    static let orders = [
        OrderPlaced(orderID: "A-1001", customer: "Ada", drink: "latte", priceCents: 450),
        OrderPlaced(orderID: "A-1002", customer: "Grace", drink: "flat white", priceCents: 420),
        OrderPlaced(orderID: "A-1003", customer: "Linus", drink: "espresso", priceCents: 300),
    ]

    /// Takes three good orders and one malformed one.
    func openTheShop() async throws {
        for order in Self.orders {
            try await publish(order, id: "evt-\(order.orderID)")
        }
        try await broker.publish(try Self.malformedOrder(), to: CoffeeTopic.orders)
        console.say("📝 counter: order A-1004 sent without customer or price (a producer bug)")
    }

    /// Re-sends two orders the way real producers do: the same event again after a lost ack, and the same
    /// order as a brand-new event from a second till.
    func resendOrders() async throws {
        let first = Self.orders[0]
        let again = try await broker.publish(try event(for: first, id: "evt-\(first.orderID)"), to: CoffeeTopic.orders)
        if again.isDuplicate {
            tally.add { $0.duplicatesStopped += 1 }
            console.say(
                "🛑 broker: event evt-\(first.orderID) re-sent after a lost ack; recognised as a duplicate (offset \(again.offset)) and not stored again")
        }
        let third = Self.orders[2]
        console.say("📝 counter: a second till re-sends order \(third.orderID) as a new event (new id, same idempotency key)")
        try await publish(third, id: "evt-\(third.orderID)-till2")
    }

    private func publish(_ order: OrderPlaced, id: String) async throws {
        let receipt = try await broker.publish(try event(for: order, id: id), to: CoffeeTopic.orders)
        console.say(
            "📝 counter: \(order.customer) orders \(withArticle(order.drink)) (order \(order.orderID) → partition \(receipt.partition), offset \(receipt.offset))"
        )
    }

    private func event(for order: OrderPlaced, id: String) throws -> Event {
        try Self.event(for: order, id: id)
    }

    /// An order as the counter sends it: `idempotencykey` is the order, whichever till sends it.
    static func event(for order: OrderPlaced, id: String) throws -> Event {
        try Event(order, id: id, source: "/coffee/counter", extensions: ["idempotencykey": "order-\(order.orderID)"])
    }

    /// An order (default A-1004) without customer or price: a producer bug.
    static func malformedOrder(_ orderID: String = "A-1004") throws -> Event {
        var malformed = ByteBuffer()
        malformed.writeString(#"{"orderID":"\#(orderID)","drink":"mocha"}"#)
        return try Event(
            id: "evt-\(orderID)", source: "/coffee/counter", type: OrderPlaced.cloudEventType, subject: orderID, dataContentType: "application/json",
            data: malformed)
    }
}

/// The backends the command can run on.
enum BrokerChoice: String, ExpressibleByArgument, CaseIterable {
    case log
    case memory
}
