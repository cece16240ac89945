import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// JSON answers, encoded one way everywhere (sorted keys, so that the same answer is the same bytes).
enum JSONResponse {
    /// A response with `value` as its JSON body.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encodeAsByteBuffer(value, allocator: ByteBufferAllocator())
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
    }
}
