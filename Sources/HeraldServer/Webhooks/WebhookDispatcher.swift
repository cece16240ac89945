import AsyncHTTPClient
import Foundation
import HTTPTypes
import Herald
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers one webhook's events: validates the endpoint (again every 30 s while it refuses), then takes
/// deliveries of its own consumer group and POSTs each in binary mode, at most
/// ``WebhookConfiguration/maximumConcurrency`` at once and no faster than the endpoint's allowed rate.
/// Each webhook runs apart from the others, so a slow or failing endpoint holds up only its own events.
/// On graceful shutdown it stops taking deliveries, lets the requests in flight finish, and gives back
/// what it still holds.
struct WebhookDispatcher: Sendable {
    let configuration: WebhookConfiguration
    let broker: any BrokerAdmin
    let client: HTTPClient
    let board: WebhookStatusBoard
    let metrics: ServerMetrics
    /// The clock of the waits: revalidation and the endpoint's allowed rate.
    let time: TimeSource
    let logger: Logger

    /// How long a refused endpoint waits before it is asked again.
    static let revalidationInterval = Duration.seconds(30)

    func run() async throws {
        await board.register(configuration)
        guard let rate = await validate() else { return }
        var options = SubscriptionOptions(
            prefetch: configuration.maximumConcurrency, ackDeadline: configuration.timeout + .seconds(30),
            maximumDeliveries: configuration.retry.maximumAttempts)
        options.startPosition = .earliest
        let subscription = try await broker.subscribe(to: configuration.topic, group: configuration.group, options: options)
        let spacing: Duration? = rate.map { .milliseconds(60_000 / max(1, $0)) }
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            var nextStart = time.now
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                if inFlight >= configuration.maximumConcurrency {
                    _ = await group.next()
                    inFlight -= 1
                    continue
                }
                let deliveries: [Delivery]
                do {
                    let free = configuration.maximumConcurrency - inFlight
                    deliveries = try await cancelWhenGracefulShutdown { try await subscription.next(upTo: free) }
                } catch {
                    break
                }
                for delivery in deliveries {
                    if let spacing {
                        if nextStart > time.now { try? await time.sleep(until: nextStart) }
                        nextStart = max(nextStart, time.now) + spacing
                    }
                    group.addTask { await deliver(delivery) }
                    inFlight += 1
                }
            }
            await group.waitForAll()
        }
        await subscription.close()
    }

    /// Validates until the endpoint agrees (its rate limit, or `nil`), or returns `nil` from the outer
    /// optional on shutdown.
    private func validate() async -> Int?? {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            switch await WebhookValidation.perform(configuration, client: client) {
            case .allowed(let rate):
                await board.update(configuration.name) {
                    $0.state = "active"
                    $0.refusal = nil
                    $0.allowedRatePerMinute = rate
                }
                logger.info("webhook endpoint validated", metadata: ["herald.webhook": "\(configuration.name)"])
                return .some(rate)
            case .refused(let reason):
                await board.update(configuration.name) {
                    $0.state = "refused"
                    $0.refusal = reason
                }
                logger.warning(
                    "webhook endpoint refused the validation handshake; nothing is delivered to it, asking again in 30 s",
                    metadata: ["herald.webhook": "\(configuration.name)", "herald.reason": "\(reason)"])
                try? await cancelWhenGracefulShutdown { try await time.sleep(for: Self.revalidationInterval) }
            }
        }
        return nil
    }

    /// POSTs one delivery and settles it by the answer.
    private func deliver(_ delivery: Delivery) async {
        metrics.delivered(
            topic: configuration.topic, group: configuration.group, via: "webhook", count: 1, redelivered: delivery.attempt > 1 ? 1 : 0)
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        for field in HTTPBinaryEvent.headers(for: delivery.event) {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        request.headers.add(name: "Herald-Delivery-Attempt", value: String(delivery.attempt))
        request.headers.add(name: "Herald-Webhook", value: configuration.name)
        if let data = delivery.event.data { request.body = .bytes(data) }
        let outcome: WebhookOutcome
        do {
            let milliseconds = Int64(configuration.timeout / .milliseconds(1))
            let response = try await client.execute(request, timeout: .milliseconds(milliseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            outcome = WebhookOutcome.classify(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"))
        } catch {
            outcome = .retry(after: nil, failure: DeliveryFailure(errorType: "WebhookRequestError", message: "the request failed: \(error)"))
        }
        do {
            switch outcome {
            case .acknowledged:
                try await delivery.ack()
                metrics.settled(topic: configuration.topic, group: configuration.group, via: "webhook", action: "ack")
                await board.update(configuration.name) { $0.delivered += 1 }
            case .retry(let after, let failure):
                let delay = after ?? configuration.retry.delay(beforeRetry: delivery.attempt)
                try await delivery.nack(retryAfter: delay, failure: failure)
                metrics.settled(topic: configuration.topic, group: configuration.group, via: "webhook", action: "nack")
                let isLast = delivery.attempt >= configuration.retry.maximumAttempts
                await board.update(configuration.name) {
                    if isLast { $0.deadLettered += 1 } else { $0.retried += 1 }
                    $0.lastFailure = failure.message
                }
            case .deadLetter(let failure):
                try await delivery.reject(failure: failure)
                metrics.settled(topic: configuration.topic, group: configuration.group, via: "webhook", action: "reject")
                await board.update(configuration.name) {
                    $0.deadLettered += 1
                    $0.lastFailure = failure.message
                }
            }
        } catch {
            // The delivery's deadline passed or the broker closed: it is delivered again as the group says.
            logger.warning(
                "settling a webhook delivery failed; it will be delivered again",
                metadata: ["herald.webhook": "\(configuration.name)", "herald.error": "\(error)"])
        }
    }
}
