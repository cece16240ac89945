import Herald
import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (the broker serves requests), for probes.
struct HealthRoutes: Sendable {
    let broker: any BrokerAdmin

    func register(on router: Router<some RequestContext>) {
        router.get("healthz") { _, _ in
            try JSONResponse.make(["status": "ok"])
        }
        router.get("readyz") { _, _ in
            do {
                _ = try await broker.topics()
                return try JSONResponse.make(["status": "ready"])
            } catch {
                throw Problem(
                    status: .serviceUnavailable, code: "notReady", title: "The broker is not ready",
                    detail: "the broker cannot list its topics: \(error)", retryAfterSeconds: 1
                )
            }
        }
    }
}
