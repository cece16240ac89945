import NIOCore
import NIOFoundationCompat

import class Foundation.JSONEncoder

/// Any JSON value, parsed by ``JSONParser`` and written with Foundation's `JSONEncoder`.
///
/// Integers that fit in `Int64` are kept exactly as ``integer(_:)``; other numbers become ``number(_:)``.
/// Serialisation is compact, with object keys sorted and `/` left unescaped, so the same value always
/// produces the same text.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `buffer` as one JSON text, in time linear in its size.
    ///
    /// - Throws: ``JSONParseError`` when `buffer` breaks `limits`, is not JSON, holds a string that is not
    ///   Unicode or names a member twice in one object.
    package init(parsing buffer: ByteBuffer, limits: JSONLimits = JSONLimits()) throws(JSONParseError) {
        let parsed = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(JSONParseError) in try JSONParser.parse(raw, limits: limits) }
        }
        self = try parsed.get()
    }

    /// The compact JSON text of this value.
    ///
    /// - Throws: the encoder's error (only for numbers JSON cannot represent, which parsing never yields).
    package func serialized() throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encodeAsByteBuffer(self, allocator: ByteBufferAllocator())
    }

    /// The JSON type's name, for error messages.
    package var kindDescription: String {
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

extension JSONValue: Encodable {
    package func encode(to encoder: any Encoder) throws {
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
