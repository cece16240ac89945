import Herald
import NIOCore
import NIOFoundationCompat

import class Foundation.JSONDecoder
import class Foundation.JSONEncoder

/// The JetStream API over a ``NATSClient``: streams, consumers, publishing with acknowledgement, pull
/// fetches and the acknowledgement verbs.
///
/// ```swift
/// let js = JetStream(client: client)
/// _ = try await js.createStream(StreamConfiguration(name: "ORDERS", subjects: ["orders.>"]))
/// let ack = try await js.publish("orders.created", payload: ByteBuffer(string: "42"),
///                                options: PublishOptions(messageID: "order-42"))
/// _ = try await js.createConsumer(stream: "ORDERS", ConsumerConfiguration(durableName: "billing"))
/// for message in try await js.fetch(stream: "ORDERS", consumer: "billing", batch: 10, expires: .seconds(1)) {
///     try await message.ack(confirmed: true)
/// }
/// ```
///
/// Every API call is one request with ``JetStreamOptions/requestTimeout``; a refusal is a
/// ``JetStreamError`` carrying the server's code and naming the stream or consumer. Besides the client,
/// a context holds only the inbox subscription of its pipelined publishes (made on first use, ending
/// with the client).
public final class JetStream: Sendable {
    /// The client the context sends through.
    public let client: NATSClient
    /// The API prefix and timeouts.
    public let options: JetStreamOptions
    /// The acknowledgements of pipelined publishes.
    let collector: PubAckCollector

    /// A context on `client`.
    public init(client: NATSClient, options: JetStreamOptions = JetStreamOptions()) {
        self.client = client
        self.options = options
        self.collector = PubAckCollector(timeout: options.requestTimeout)
    }

    /// The full subject of an API endpoint, such as `$JS.API.STREAM.INFO.ORDERS`.
    func apiSubject(_ endpoint: String) -> String {
        "\(options.apiPrefix).\(endpoint)"
    }

    /// The JSON encoder of request bodies.
    static func encode(_ body: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encodeAsByteBuffer(body, allocator: ByteBufferAllocator())
    }

    /// Sends an API request and decodes its response, turning the server's `error` object into a
    /// ``JetStreamError`` for `operation` (for example "create stream 'ORDERS'").
    func apiRequest<Response: Decodable>(
        _ endpoint: String,
        body: ByteBuffer = ByteBuffer(),
        operation: @autoclosure () -> String,
        as type: Response.Type = Response.self
    ) async throws -> Response {
        let reply: NATSMessage
        do {
            reply = try await client.request(apiSubject(endpoint), payload: body, timeout: options.requestTimeout)
        } catch let error as NATSClientError where error.code == .noResponders {
            throw JetStreamError.notEnabled(prefix: options.apiPrefix)
        }
        return try Self.decodeResponse(reply.payload, operation: operation(), as: type)
    }

    /// Decodes an API response body, or throws the error it carries.
    static func decodeResponse<Response: Decodable>(
        _ payload: ByteBuffer,
        operation: @autoclosure () -> String,
        as type: Response.Type = Response.self
    ) throws -> Response {
        let decoder = JSONDecoder()
        let envelope: ErrorEnvelope
        do {
            // Bounded in depth first (Foundation's decoder crashes on JSON nested 513 deep); the size is
            // already bounded by the server's max_payload.
            try JSONLimits(maximumBytes: .max).check(payload)
            envelope = try decoder.decode(ErrorEnvelope.self, from: payload)
        } catch {
            throw JetStreamError.invalidReply(operation(), reason: "\(error) in '\(String(buffer: payload).prefix(200))'")
        }
        if let apiError = envelope.error {
            throw JetStreamError(apiError: apiError, operation: operation())
        }
        do {
            return try decoder.decode(Response.self, from: payload)
        } catch {
            throw JetStreamError.invalidReply(operation(), reason: "\(error) in '\(String(buffer: payload).prefix(200))'")
        }
    }

    /// Checks that `name` can be a stream or consumer name in an API subject.
    static func validateName(_ name: String, _ what: String) throws(JetStreamError) {
        guard !name.isEmpty,
            !name.utf8.contains(where: { byte in
                byte <= UInt8(ascii: " ") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: ">")
                    || byte == 0x7F
            })
        else { throw .invalidName(what, name) }
    }

    /// Facts about the account's use of JetStream; a cheap way to check that JetStream answers.
    ///
    /// - Throws: ``JetStreamError`` (`noStream` when JetStream is not enabled), ``NATSClientError``.
    public func accountInfo() async throws -> JetStreamAccountInfo {
        try await apiRequest("INFO", operation: "read the account's JetStream information")
    }

    /// Sends `ack` to a delivery's reply subject (see ``JetStreamAck``). With `confirmed`, the ack is sent
    /// as a request and this waits until the server confirms it has applied it (a "double ack").
    ///
    /// - Throws: ``JetStreamError`` (`consumerNotFound` when a confirmed ack finds no consumer),
    ///   ``NATSClientError`` (`requestTimeout`, `connectionLost`, ...).
    public func acknowledge(replyTo: String, _ ack: JetStreamAck, confirmed: Bool = false) async throws {
        guard confirmed else {
            try await client.publishDirect(replyTo, payload: ack.payload)
            return
        }
        do {
            _ = try await client.request(replyTo, payload: ack.payload, timeout: options.requestTimeout)
        } catch let error as NATSClientError where error.code == .noResponders {
            throw JetStreamError(
                kind: .consumerNotFound,
                statusCode: 503,
                message: "the \(ack.name) of '\(replyTo)' found no consumer to apply it; the consumer was deleted"
            )
        }
    }

    /// Sends the same verb for several messages (their ack subjects) in one write, without waiting for
    /// the server.
    ///
    /// - Throws: ``NATSClientError`` when the verbs cannot be queued (`closed`, `bufferFull`).
    public func acknowledge(replyTos: [String], _ ack: JetStreamAck) async throws {
        let payload = ack.payload
        try await client.publish(replyTos.map { ($0, payload) })
    }
}

/// The `error` of any JetStream API response.
struct ErrorEnvelope: Decodable {
    var error: JetStreamAPIError?
}

/// What `$JS.API.INFO` says about the account.
public struct JetStreamAccountInfo: Sendable, Hashable, Decodable {
    /// Bytes of memory storage used.
    public var memory: UInt64
    /// Bytes of file storage used.
    public var storage: UInt64
    /// Streams defined.
    public var streams: Int
    /// Consumers defined.
    public var consumers: Int
}
