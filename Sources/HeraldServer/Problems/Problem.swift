import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// An RFC 9457 problem: what an HTTP request got wrong (or what failed), as `application/problem+json`. Every
/// 4xx and 5xx answer of the server is one, and names the offending attribute or value.
public struct Problem: Error, Sendable, Hashable, HTTPResponseError {
    /// The media type of a problem body.
    public static let mediaType = "application/problem+json"

    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A URI naming the kind of problem (`https://herald.dev/problems/<code>`), stable for programs.
    public var type: String
    /// A short summary of the kind of problem.
    public var title: String
    /// What went wrong with this request and what to do.
    public var detail: String
    /// The offending CloudEvents attribute, header or setting, when there is one.
    public var attribute: String?
    /// The topic the request named, when there is one.
    public var topic: String?
    /// The position of the offending event in a batch, when there is one.
    public var index: Int?
    /// Seconds after which the same request may succeed (sent as `Retry-After` too).
    public var retryAfterSeconds: Int?
    /// The `WWW-Authenticate` challenge of a 401 answer.
    public var challenge: String?

    /// A problem of kind `code` (the last part of its type URI).
    public init(
        status: HTTPResponse.Status,
        code: String,
        title: String,
        detail: String,
        attribute: String? = nil,
        topic: String? = nil,
        index: Int? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.type = "https://herald.dev/problems/\(code)"
        self.title = title
        self.detail = detail
        self.attribute = attribute
        self.topic = topic
        self.index = index
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The problem as its JSON body.
    public var body: ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = Document(
            type: type, title: title, status: Int(status.code), detail: detail, attribute: attribute, topic: topic, index: index,
            retryAfter: retryAfterSeconds
        )
        // Strings and integers only: encoding cannot fail.
        return (try? encoder.encodeAsByteBuffer(document, allocator: ByteBufferAllocator())) ?? ByteBuffer()
    }

    /// The RFC 9457 members, as written.
    private struct Document: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var attribute: String?
        var topic: String?
        var index: Int?
        var retryAfter: Int?
    }

    /// The problem as an HTTP answer: its status, the JSON body, and `Retry-After` or `WWW-Authenticate`
    /// when set.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: Self.mediaType]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let challenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
