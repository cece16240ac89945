import Herald
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: the Prometheus text format (0.0.4) of ``ServerMetrics``, lag refreshed first; no token
/// needed (scrapers reach it on the server's own network).
struct MetricsRoutes: Sendable {
    let broker: any BrokerAdmin
    let metrics: ServerMetrics

    func register(on router: Router<some RequestContext>) {
        router.get("metrics") { _, _ in
            await metrics.refresh(from: broker)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
