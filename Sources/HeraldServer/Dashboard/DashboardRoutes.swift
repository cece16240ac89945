import Foundation
import Herald
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The dashboard: its page (no token needed: it holds no data and asks for a token) and the overview it
/// shows, as JSON and as Server-Sent Events. Every view of the page reads the server's public API with
/// the token it was given; the overview needs the `read` permission (or `admin`) and lists the topics
/// the token may read.
///
/// - `GET /dashboard`, `GET /dashboard/app.js`, `GET /dashboard/style.css`
/// - `GET /dashboard/overview`, `GET /dashboard/overview/stream` (`text/event-stream`, an `overview`
///   event at each sample)
struct DashboardRoutes: Sendable {
    let authorizer: Authorizer
    let observer: TrafficObserver
    let time: TimeSource

    func register(on router: Router<some RequestContext>) {
        router.get("dashboard") { _, _ in Self.asset(DashboardPage.html, type: "text/html; charset=utf-8") }
        router.get("dashboard/app.js") { _, _ in Self.asset(DashboardScript.source, type: "text/javascript; charset=utf-8") }
        router.get("dashboard/style.css") { _, _ in Self.asset(DashboardStyle.source, type: "text/css; charset=utf-8") }
        router.get("dashboard/overview") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            return try JSONResponse.make(Self.visible(try await observer.currentOverview(), to: principal))
        }
        router.get("dashboard/overview/stream") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            let observer = observer
            let time = time
            let body = ResponseBody { writer in
                var sent = -1
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    let version = await observer.version
                    if version != sent, let overview = await observer.overview {
                        sent = version
                        var chunk = ByteBuffer(string: "event: overview\ndata: ")
                        chunk.writeImmutableBuffer(try JSONResponse.encode(Self.visible(overview, to: principal)))
                        chunk.writeString("\n\n")
                        try await writer.write(chunk)
                    } else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                    do {
                        try await cancelWhenGracefulShutdown { try await time.sleep(for: .seconds(observer.intervalSeconds)) }
                    } catch {
                        break
                    }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static func visible(_ overview: OverviewDocument, to principal: Principal) -> OverviewDocument {
        var overview = overview
        overview.topics = overview.topics.filter { principal.allows(.read, topic: $0.name) }
        return overview
    }
}
