import class Foundation.JSONDecoder
import class Foundation.JSONEncoder
import NIOCore
import NIOFoundationCompat

/// Any JSON value, parsed and written with Foundation's JSON coders.
///
/// Integers that fit in `Int64` are kept exactly as ``integer(_:)``; other numbers become ``number(_:)``.
/// Serialisation is compact, with object keys sorted and `/` left unescaped, so the same value always
/// produces the same text.
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `buffer` as one JSON text.
    ///
    /// - Throws: the decoder's error when `buffer` is not well-formed JSON.
    init(parsing buffer: ByteBuffer) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: buffer)
    }

    /// The compact JSON text of this value.
    ///
    /// - Throws: the encoder's error (only for numbers JSON cannot represent, which parsing never yields).
    func serialized() throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encodeAsByteBuffer(self, allocator: ByteBufferAllocator())
    }

    /// The JSON type's name, for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try Self.decode(Bool.self, from: container) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            // Any failure here (a fraction, a number too large) leaves the number to `Double`.
            self = .integer(value)
        } else if let value = try Self.decode(Double.self, from: container) {
            self = .number(value)
        } else if let value = try Self.decode(String.self, from: container) {
            self = .string(value)
        } else if let value = try Self.decode([JSONValue].self, from: container) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value as `type`, or `nil` when it is of another JSON type; other errors (a malformed
    /// string, a number out of range, a bad value nested inside) are thrown.
    private static func decode<Value: Decodable>(
        _ type: Value.Type,
        from container: any SingleValueDecodingContainer
    ) throws -> Value? {
        do {
            return try container.decode(type)
        } catch DecodingError.typeMismatch {
            return nil
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
