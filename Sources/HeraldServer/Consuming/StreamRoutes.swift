import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Streaming to a long-lived client by Server-Sent Events: `GET /topics/{topic}/groups/{group}/stream?credit=N`.
///
/// Each stream is a member of the group of its own whose prefetch is its credit (1 to 1,000, default 10):
/// the server sends at most `credit` deliveries the client has not settled yet, and the next as soon as
/// one is settled (`POST …/settle` with the delivery's token, as for a fetch). Each delivery is an SSE
/// message `event: delivery` whose `id` is the token and whose `data` is the delivery as a fetch returns
/// it. A comment line every 15 s keeps idle connections open and finds closed ones. When the client
/// goes away, or the server stops, the stream's unsettled deliveries go back to the group at once.
struct StreamRoutes: Sendable {
    let broker: any BrokerAdmin
    let authorizer: Authorizer
    let metrics: ServerMetrics
    let handling: HandlingTimes

    /// The most unsettled deliveries one stream may hold.
    static let maximumCredit = 1_000
    /// How often an idle stream sends a keep-alive comment.
    static let keepAlive = Duration.seconds(15)

    func register(on router: Router<some RequestContext>) {
        router.get("topics/:topic/groups/:group/stream") { request, context in
            let topic = try context.parameters.require("topic")
            let group = try context.parameters.require("group")
            _ = try authorizer.authorize(request.headers, .consume, topic: topic)
            let credit = request.uri.queryParameters.get("credit").flatMap { Int($0) } ?? 10
            guard (1...Self.maximumCredit).contains(credit) else {
                throw Problem.invalidRequest("credit", "must be from 1 to \(Self.maximumCredit); it is \(credit)", topic: topic)
            }
            let subscription = try await brokerCall(topic) {
                try await broker.subscribe(to: topic, group: group, options: SubscriptionOptions(prefetch: credit))
            }
            let metrics = metrics
            let handling = handling
            let body = ResponseBody { writer in
                defer { Task { await subscription.close() } }
                try await writer.write(ByteBuffer(string: ": herald stream of \(topic)/\(group), credit \(credit)\n\n"))
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    // On graceful shutdown the wait ends and so does the stream: the server's stop does not
                    // wait for a client that never hangs up.
                    let next: [Delivery]?
                    do {
                        next = try await cancelWhenGracefulShutdown {
                            do {
                                return try await ConsumeRoutes.take(upTo: credit, from: subscription, waiting: Self.keepAlive)
                            } catch let error as BrokerError where error.code == .closed {
                                return []
                            }
                        }
                    } catch is CancellationError {
                        break
                    }
                    guard let deliveries = next else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        continue
                    }
                    if deliveries.isEmpty { break }
                    metrics.delivered(
                        topic: topic, group: group, via: "stream", count: deliveries.count, redelivered: deliveries.filter { $0.attempt > 1 }.count)
                    await handling.handedOut(deliveries)
                    var chunk = ByteBuffer()
                    for delivery in deliveries {
                        chunk.writeString("id: \(delivery.token.wireValue)\nevent: delivery\ndata: ")
                        chunk.writeImmutableBuffer(try ConsumeMessages.deliveryDocument(delivery).serialized())
                        chunk.writeString("\n\n")
                    }
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }
}
