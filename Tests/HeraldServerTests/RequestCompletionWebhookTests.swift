import Foundation
import Herald
import HeraldServer
import HeraldTesting
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

/// A command to the request-over-HTTP test's cashier.
private struct ChargeCard: TypedCommand {
    static let eventType = "shop.card.charge"
    var orderID: String
    var cents: Int
}

/// The completion of ``ChargeCard``.
private struct CardCharged: TypedEvent {
    static let eventType = "shop.card.charged"
    var orderID: String
}

/// Request → completion where the requester is not a Swift process holding a connection: it publishes the
/// command over HTTP with `replyto` naming a topic the server pushes to its webhook, and the server POSTs
/// the completion (or the rejection) there, with `requestid` = the command's id, through the webhook's
/// own retries and dead letters.
@Suite("Server: request → completion by webhook")
struct RequestCompletionWebhookTests {
    @Test("a command published over HTTP with replyto gets its completion, or its rejection, POSTed to the webhook on that topic")
    func completionByWebhook() async throws {
        let broker = InMemoryBroker(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        for topic in ["card-commands", "till-completions"] { try await broker.createTopic(TopicConfiguration(name: topic)) }
        var cashier = Consumer(
            broker: broker, configuration: .init(group: "cashier"), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        cashier.handle(ChargeCard.self, from: "card-commands") { command, context in
            if command.cents > 10_000 { throw CommandRejection("over the card limit: \(command.cents) cents") }
            try await context.reply(CardCharged(orderID: command.orderID))
        }
        let services: [any Service] = [cashier]
        let till = WebhookReceiver()
        try await till.serve { url in
            let configuration = ServerConfiguration(
                access: ServerAccess(allowsAnonymous: true),
                webhooks: [WebhookConfiguration(name: "till", topic: "till-completions", url: url)])
            try await withServer(broker, configuration: configuration) { server in
                let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    for (id, cents) in [("req-1", 450), ("req-2", 50_000)] {
                        let answer = try await server.send(
                            .POST, "/topics/card-commands/events",
                            headers: [
                                ("ce-specversion", "1.0"), ("ce-id", id), ("ce-source", "/till/http"), ("ce-type", ChargeCard.cloudEventType),
                                ("ce-replyto", "till-completions"), ("Content-Type", "application/json"),
                            ],
                            body: ByteBuffer(string: #"{"orderID":"\#(id)","cents":\#(cents)}"#))
                        #expect(answer.status == 200, "publishing \(id)")
                    }
                    try await within(.seconds(20), "both completions POSTed to the till") { await till.wait { $0.completions.count == 2 } }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        }
        let completions = await till.record.completions
        #expect(completions == ["req-1": CardCharged.cloudEventType, "req-2": CommandRejected.cloudEventType])
    }
}
