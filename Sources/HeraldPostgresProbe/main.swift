// A helper for the PostgreSQL crash tests: runs one outbox relay or one inbox consumer and kills itself
// with SIGKILL at a chosen point, as a crash would.
//
//     HeraldPostgresProbe relay <url> <schema> <target-schema> <kill-after-events>
//         Relays the outbox of <schema> to the PostgreSQL broker of <target-schema>, and dies as soon as
//         the target has confirmed <kill-after-events> events (before the relay deletes their rows).
//     HeraldPostgresProbe inbox <url> <schema> <step>
//         Consumes topic `work` as group `effects`, handling each event with an inbox that inserts a row
//         into <schema>.effects, and dies at <step> of the first delivery: received, recorded (inside the
//         transaction, before the handler's write), wrote (after it, before commit), committed (before
//         the ack) or acked.
//
// Prints `READY` once connected, so that the parent knows the process got that far.
import Foundation
import Herald
import HeraldPostgres
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Kills this process the way a crash would: no cleanup, no flush.
func die() -> Never {
    kill(getpid(), SIGKILL)
    exit(137)
}

/// A sink that forwards to a broker and dies once `limit` events were confirmed.
final class DyingSink: EventSink {
    let target: any Broker
    let limit: Int
    // Atomic: counted by whichever task the relay sends from.
    let confirmed = Atomic<Int>(0)

    init(target: any Broker, limit: Int) {
        self.target = target
        self.limit = limit
    }

    func send(_ events: [Event], to topic: String) async throws -> [PublishOutcome] {
        let outcomes = try await target.send(events, to: topic)
        if confirmed.add(events.count, ordering: .relaxed).newValue >= limit { die() }
        return outcomes
    }
}

var logger = Logger(label: "herald.probe")
logger.logLevel = .error
let arguments = CommandLine.arguments
guard arguments.count == 5, let url = try? PostgresURL(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: HeraldPostgresProbe relay|inbox <url> <schema> <argument> <argument>\n".utf8))
    exit(2)
}
let schema = arguments[3]
let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
let clientTask = Task { await client.run() }

switch arguments[1] {
case "relay":
    guard let limit = Int(arguments[4].split(separator: ":").last ?? "") else { exit(2) }
    let targetSchema = String(arguments[4].split(separator: ":").first ?? "")
    let target = try await PostgresBroker.connect(PostgresBrokerOptions(primary: url, schema: targetSchema), logger: logger)
    let relay = try OutboxRelay(
        outbox: try PostgresOutbox(schema: schema), client: client, target: DyingSink(target: target, limit: limit),
        options: OutboxRelayOptions(batchSize: 200), logger: logger)
    print("READY")
    try await relay.run()
case "inbox":
    let step = arguments[4]
    var options = PostgresBrokerOptions(primary: url, schema: schema)
    options.confirmAcknowledgements = true
    let broker = try await PostgresBroker.connect(options, logger: logger)
    let inbox = try PostgresInbox(client: client, consumer: "effects", outbox: try PostgresOutbox(schema: schema), logger: logger)
    let subscription = try await broker.subscribe(to: "work", group: "effects", options: SubscriptionOptions(ackDeadline: .seconds(1)))
    print("READY")
    guard let delivery = try await subscription.next() else { exit(3) }
    if step == "received" { die() }
    let context = MessageContext(delivery: delivery, logger: logger, publisher: Publisher(broker: broker, source: "/probe"))
    try await inbox.handle(context) { connection, _ in
        if step == "recorded" { die() }
        _ = try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(delivery.event.id))", logger: logger).collect()
        if step == "wrote" { die() }
    }
    if step == "committed" { die() }
    try await delivery.ack()
    if step == "acked" { die() }
    exit(0)
default:
    exit(2)
}
clientTask.cancel()
