import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// Pull consumers over HTTP: fetch deliveries of a consumer group, then settle them by token.
///
/// - `POST /topics/{topic}/groups/{group}/fetch` with `{"maxEvents": 10, "waitMilliseconds": 1000}`: up to
///   `maxEvents` deliveries, waiting up to `waitMilliseconds` for the first. Each has its `token`, `attempt`,
///   `partition`, `offset` and the `event` in the JSON event format.
/// - `POST /topics/{topic}/groups/{group}/settle` with `{"settlements": [{"token": "…", "action": "ack"}]}`:
///   `ack`, `nack` (with `retryAfterMilliseconds`), `reject` (to the dead letters, with `reason`) or
///   `extend` (restart the ack deadline).
struct ConsumeRoutes: Sendable {
    let broker: any BrokerAdmin
    let pulls: PullSubscriptions
    let limits: ServerLimits
    let authorizer: Authorizer
    let metrics: ServerMetrics
    let handling: HandlingTimes

    /// The longest a fetch waits.
    static let maximumWait = Duration.seconds(30)

    func register(on router: Router<some RequestContext>) {
        router.post("topics/:topic/groups/:group/fetch") { request, context in
            try await fetch(request, context: context)
        }
        router.post("topics/:topic/groups/:group/settle") { request, context in
            try await settle(request, context: context)
        }
    }

    private func fetch(_ request: Request, context: some RequestContext) async throws -> Response {
        let topic = try context.parameters.require("topic")
        let group = try context.parameters.require("group")
        _ = try authorizer.authorize(request.headers, .consume, topic: topic)
        let body = try await JSONRequest.decode(FetchRequest.self, from: request, topic: topic, empty: FetchRequest())
        let maximum = body.maxEvents ?? 1
        guard (1...limits.maximumBatchEvents).contains(maximum) else {
            throw Problem.invalidRequest(
                "maxEvents", "must be from 1 to \(limits.maximumBatchEvents) (limits.maximumBatchEvents); it is \(maximum)", topic: topic)
        }
        let waitMilliseconds = body.waitMilliseconds ?? 0
        guard (0...30_000).contains(waitMilliseconds) else {
            throw Problem.invalidRequest("waitMilliseconds", "must be from 0 to 30000; it is \(waitMilliseconds)", topic: topic)
        }
        let deliveries: [Delivery]
        do {
            try body.group?.validate(topic: topic)
            let subscription = try await pulls.subscription(topic: topic, group: group, settings: body.group)
            deliveries = try await Self.take(upTo: maximum, from: subscription, waiting: .milliseconds(waitMilliseconds)) ?? []
        } catch let error as BrokerError {
            throw Problem(error, topic: topic)
        }
        metrics.delivered(topic: topic, group: group, via: "pull", count: deliveries.count, redelivered: deliveries.filter { $0.attempt > 1 }.count)
        await handling.handedOut(deliveries)
        var items: [JSONValue] = []
        items.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            items.append(try ConsumeMessages.deliveryDocument(delivery))
        }
        return try JSONResponse.make(JSONValue.object(["deliveries": .array(items)]))
    }

    /// Up to `maximum` deliveries, waiting at most `wait` for the first; `nil` when the wait ran out with
    /// nothing taken, `[]` when the subscription ended. Deliveries taken while the wait ran out are
    /// returned, never dropped. Fetches and streams both wait this way.
    static func take(upTo maximum: Int, from subscription: Subscription, waiting wait: Duration) async throws -> [Delivery]? {
        try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask { try await subscription.next(upTo: maximum) }
            group.addTask {
                try? await Task.sleep(for: wait)
                return nil
            }
            var taken: [Delivery]?
            if case .some(.some(let deliveries)) = try await group.next() {
                taken = deliveries
            }
            group.cancelAll()
            // The other child: the timer, or a take that may still return what it took.
            while let result = try? await group.next() {
                if let deliveries = result, !deliveries.isEmpty { taken = (taken ?? []) + deliveries }
            }
            return taken
        }
    }

    private func settle(_ request: Request, context: some RequestContext) async throws -> Response {
        let topic = try context.parameters.require("topic")
        let group = try context.parameters.require("group")
        _ = try authorizer.authorize(request.headers, .consume, topic: topic)
        let body = try await JSONRequest.decode(SettleRequest.self, from: request, topic: topic)
        guard body.settlements.count <= limits.maximumBatchEvents else {
            throw Problem.invalidRequest("settlements", "holds \(body.settlements.count); at most \(limits.maximumBatchEvents) per request", topic: topic)
        }
        // Every item is checked before any is applied.
        var planned: [(token: DeliveryToken, settlement: Settlement?)] = []
        for (index, item) in body.settlements.enumerated() {
            guard let token = DeliveryToken(wireValue: item.token) else {
                throw Problem.invalidRequest(
                    "settlements[\(index)].token", "'\(item.token.prefix(100))' is not a delivery token of this server", topic: topic, index: index)
            }
            let failure = DeliveryFailure(errorType: item.errorType ?? "HTTPConsumerError", message: item.reason ?? "settled over HTTP")
            switch item.action {
            case "ack": planned.append((token, .ack))
            case "nack":
                let delay = item.retryAfterMilliseconds ?? 0
                guard (0...(7 * 86_400_000)).contains(delay) else {
                    throw Problem.invalidRequest(
                        "settlements[\(index)].retryAfterMilliseconds", "must be from 0 to 604800000; it is \(delay)", topic: topic, index: index)
                }
                planned.append((token, .nack(retryAfter: .milliseconds(delay), failure: failure)))
            case "reject": planned.append((token, .reject(failure: failure)))
            case "extend": planned.append((token, nil))
            default:
                throw Problem.invalidRequest(
                    "settlements[\(index)].action", "must be ack, nack, reject or extend; it is '\(item.action.prefix(100))'", topic: topic, index: index)
            }
        }
        do {
            for (token, settlement) in planned {
                if let settlement {
                    try await broker.settle(token, settlement, topic: topic, group: group)
                } else {
                    try await broker.extendDeadline(token, topic: topic, group: group)
                }
            }
        } catch let error as BrokerError {
            throw Problem(error, topic: topic)
        }
        await handling.settled(body.settlements.filter { $0.action != "extend" }.map(\.token), topic: topic, group: group)
        for (action, items) in Dictionary(grouping: body.settlements, by: \.action) {
            metrics.settled(topic: topic, group: group, via: "pull", action: action, count: items.count)
        }
        return try JSONResponse.make(SettleResponse(settled: planned.count))
    }
}
