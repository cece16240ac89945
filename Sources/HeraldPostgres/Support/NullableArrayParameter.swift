import NIOCore
import PostgresNIO

/// A one-dimensional array parameter whose elements may be NULL (PostgresNIO's arrays cannot hold
/// optionals), in PostgreSQL's binary array format: a statement then binds one array per column
/// (`unnest($1::text[], …)`) instead of one parameter per value.
struct NullableArrayParameter<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable>: PostgresNonThrowingEncodable {
    /// The elements; `nil` is NULL.
    var elements: [Element?]

    /// The array type of `Element`.
    static var psqlType: PostgresDataType { Element.psqlArrayType }

    /// Binary.
    static var psqlFormat: PostgresFormat { .binary }

    /// Writes the header (dimensions, NULL flag, element type, size and lower bound), then each element
    /// as its length and bytes, a NULL as length -1.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(elements.contains { $0 == nil } ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(clamping: elements.count), as: Int32.self)
        buffer.writeInteger(1, as: Int32.self)
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            let start = buffer.writerIndex
            element.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(clamping: buffer.writerIndex - start), at: lengthIndex, as: Int32.self)
        }
    }
}
