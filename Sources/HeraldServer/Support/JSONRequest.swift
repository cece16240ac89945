import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// JSON request bodies of the consume and admin endpoints, read one way everywhere: bounded in size, and
/// refused with a problem that says what the endpoint takes.
enum JSONRequest {
    /// The largest body read.
    static let maximumBytes = 1024 * 1024

    /// The request's body, at most `maximumBytes` of it.
    ///
    /// - Throws: a 413 ``Problem`` for a larger body, saying to `split` it (`limit` names the setting, if
    ///   one sets the bound).
    static func body(of request: Request, upTo maximumBytes: Int, topic: String?, limit: String? = nil) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            let setting = limit.map { " (\($0))" } ?? ""
            throw Problem(
                status: .contentTooLarge, code: "bodyTooLarge", title: "The request body is too large",
                detail: "the body is larger than the server's limit of \(maximumBytes) bytes\(setting); send it in smaller parts", topic: topic)
        }
    }

    /// The request's JSON body as `T`; `empty` stands for an empty body when given.
    ///
    /// - Throws: a 413 ``Problem`` for a body over ``maximumBytes``, a 400 one for a body that is not `T`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, topic: String?, empty: T? = nil) async throws -> T {
        let body = try await Self.body(of: request, upTo: maximumBytes, topic: topic)
        if body.readableBytes == 0, let empty { return empty }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw Problem(
                status: .badRequest, code: "invalidRequest", title: "The request body is not what this endpoint takes",
                detail: "the body must be a JSON object as documented: \(error)", topic: topic)
        }
    }
}

extension Problem {
    /// A 400 problem: `attribute` of the request `detail`s (“maxEvents must be from 1 to 10000”).
    static func invalidRequest(_ attribute: String, _ detail: String, topic: String?, index: Int? = nil) -> Problem {
        Problem(
            status: .badRequest, code: "invalidRequest", title: "The request is not what this endpoint takes", detail: "\(attribute) \(detail)",
            attribute: attribute, topic: topic, index: index)
    }
}
