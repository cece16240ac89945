import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's description (``OpenAPIDocument``), for tools and clients; no token needed.
struct OpenAPIRoutes: Sendable {
    func register(on router: Router<some RequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
