import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore

/// `POST /topics/{topic}/events`: publishing by the CloudEvents HTTP binding, in binary, structured or
/// batch mode. The answer holds each event's receipt once the broker stored it (as the topic's durability
/// says); any other answer means nothing of the request was acknowledged, and sending it again is safe (the
/// broker's de-duplication recognises events by `source` and `id`).
struct PublishRoutes: Sendable {
    let broker: any BrokerAdmin
    let limits: ServerLimits
    let authorizer: Authorizer
    let metrics: ServerMetrics

    func register(on router: Router<some RequestContext>) {
        router.post("topics/:topic/events") { request, context in
            try await publish(request, context: context)
        }
    }

    private func publish(_ request: Request, context: some RequestContext) async throws -> Response {
        let topic = try context.parameters.require("topic")
        _ = try authorizer.authorize(request.headers, .publish, topic: topic)
        let mode = try EventContentMode(contentType: request.headers[.contentType])
        let body = try await JSONRequest.body(of: request, upTo: limits.maximumBodyBytes, topic: topic, limit: "limits.maximumBodyBytes")
        let events = TraceContext.apply(request.headers, to: try decode(body, mode: mode, headers: request.headers, topic: topic))
        let receipts: [PublishReceipt]
        do {
            receipts = try await broker.publish(events, to: topic)
        } catch let error as BrokerError {
            throw Problem(error, topic: topic)
        }
        let stored = zip(events, receipts).filter { !$0.1.isDuplicate }
        metrics.published(topic: topic, events: stored.count, bytes: stored.reduce(0) { $0 + $1.0.payloadSize })
        return try JSONResponse.make(PublishResponse(events: events, receipts: receipts))
    }

    private func decode(_ body: ByteBuffer, mode: EventContentMode, headers: HTTPFields, topic: String) throws(Problem) -> [Event] {
        let jsonLimits = JSONLimits(maximumBytes: limits.maximumBodyBytes)
        let events: [Event]
        do throws(CloudEventError) {
            switch mode {
            case .binary: events = [try HTTPBinaryEvent.decode(headers: headers, body: body)]
            case .structured: events = [try CloudEventJSON.decode(body, limits: jsonLimits)]
            case .batch: events = try CloudEventJSON.decodeBatch(body, limits: jsonLimits)
            }
        } catch {
            throw Problem(error, topic: topic)
        }
        guard !events.isEmpty else {
            throw Problem(status: .badRequest, code: "emptyBatch", title: "The batch holds no event", detail: "send at least one event", topic: topic)
        }
        guard events.count <= limits.maximumBatchEvents else {
            throw Problem(
                status: .contentTooLarge, code: "batchTooLarge", title: "The batch holds too many events",
                detail: "the batch holds \(events.count) events; the server takes at most \(limits.maximumBatchEvents) per request (limits.maximumBatchEvents)",
                topic: topic
            )
        }
        return events
    }
}
