import HTTPTypes
import Hummingbird
import Logging

/// Gives every answer an `X-Request-Id`: the one the client sent (1 to 128 visible ASCII characters), or
/// the server's own id of the request, which its log lines carry as `hb.request.id`; the client's id is
/// added to them as `herald.request.id`. An operator finds a client's failed request in the logs by it.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id") ?? .via }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id: String
        if let given = request.headers[Self.headerName], Self.isAcceptable(given) {
            id = given
            context.logger[metadataKey: "herald.request.id"] = .string(given)
        } else {
            // The id Hummingbird logs the request under; read from the logger's metadata without
            // `context.id`, which traps when the log handler keeps no metadata (a no-op logger).
            id = context.logger[metadataKey: "hb.request.id"]?.description ?? RequestID().description
        }
        do {
            var response = try await next(request, context)
            response.headers[Self.headerName] = id
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[Self.headerName] = id
            return response
        }
    }

    /// Whether a client's id is short and plain enough to echo and log.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
