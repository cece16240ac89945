import NIOCore

/// The server's acknowledgement of a message stored in a stream.
public struct PubAck: Sendable, Hashable, Decodable {
    /// The stream that stored it.
    public var stream: String
    /// Its sequence in the stream; for a duplicate, the sequence of the message stored first.
    public var sequence: UInt64
    /// Whether the stream recognised the message as a duplicate (same `Nats-Msg-Id` within its
    /// duplicate window) and did not store it again.
    public var isDuplicate: Bool
    /// The JetStream domain, when the server has one.
    public var domain: String?

    /// Creates an acknowledgement.
    public init(stream: String, sequence: UInt64, isDuplicate: Bool = false, domain: String? = nil) {
        self.stream = stream
        self.sequence = sequence
        self.isDuplicate = isDuplicate
        self.domain = domain
    }

    enum CodingKeys: String, CodingKey {
        case stream
        case sequence = "seq"
        case isDuplicate = "duplicate"
        case domain
    }

    /// Decodes the API's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stream = try container.decode(String.self, forKey: .stream)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        isDuplicate = try container.decodeIfPresent(Bool.self, forKey: .isDuplicate) ?? false
        domain = try container.decodeIfPresent(String.self, forKey: .domain)
    }

    /// Reads the common reply shapes `{"stream":"S", "seq":N}` and `{"stream":"S", "seq":N,"duplicate": true}`
    /// without a JSON decoder (publishes are the hot path); `nil` for anything else (errors, domains,
    /// escapes), which the caller decodes fully.
    static func fastParse(_ buffer: ByteBuffer) -> PubAck? {
        buffer.withUnsafeReadableBytes { bytes -> PubAck? in
            var index = 0
            let count = bytes.count
            func skipSpaces() {
                while index < count, bytes[index] == UInt8(ascii: " ") { index += 1 }
            }
            /// Matches `text` after optional spaces.
            func token(_ text: StaticString) -> Bool {
                while index < count, bytes[index] == UInt8(ascii: " ") { index += 1 }
                let length = text.utf8CodeUnitCount
                guard index + length <= count else { return false }
                for offset in 0..<length where bytes[index + offset] != text.utf8Start[offset] { return false }
                index += length
                return true
            }
            guard token("{\"stream\":"), token("\"") else { return nil }
            let nameStart = index
            while index < count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            guard index < count else { return nil }
            let stream = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
            index += 1
            guard token(","), token("\"seq\":") else { return nil }
            skipSpaces()
            var sequence: UInt64 = 0
            var digits = 0
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (product, overflow) = sequence.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                sequence = product + UInt64(bytes[index] - UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            var duplicate = false
            if token(",") {
                guard token("\"duplicate\":") else { return nil }
                if token("true") {
                    duplicate = true
                } else if !token("false") {
                    return nil
                }
            }
            guard token("}") else { return nil }
            skipSpaces()
            guard index == count else { return nil }
            return PubAck(stream: stream, sequence: sequence, isDuplicate: duplicate)
        }
    }
}
