/// A CloudEvents envelope or format was invalid. The message names the attribute at fault.
public struct CloudEventError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case missingAttribute
        case emptyAttribute
        case invalidAttributeType
        case invalidAttributeValue
        case unsupportedSpecVersion
        case invalidExtensionName
        case invalidBase64
        case invalidJSON
        case conflictingData
        case duplicateAttribute
        case invalidCharacters
        case limitExceeded
    }

    private let code: Code
    /// The attribute at fault (for example `source` or `data_base64`), or `nil` for the document as a whole.
    public let attribute: String?
    /// What went wrong and what to do about it.
    public let message: String
    /// The zero-based position of the offending event in a JSON batch, or `nil` outside a batch.
    public let batchIndex: Int?

    private init(_ code: Code, attribute: String?, message: String, batchIndex: Int? = nil) {
        self.code = code
        self.attribute = attribute
        self.message = message
        self.batchIndex = batchIndex
    }

    /// A required context attribute (`id`, `source`, `specversion`, `type`) is absent.
    public static func missingAttribute(_ name: String) -> Self {
        Self(.missingAttribute, attribute: name, message: "required attribute '\(name)' is missing")
    }

    /// A required context attribute is present but empty.
    public static func emptyAttribute(_ name: String) -> Self {
        Self(.emptyAttribute, attribute: name, message: "attribute '\(name)' must not be empty")
    }

    /// An attribute has the wrong JSON type.
    public static func invalidAttributeType(_ name: String, expected: String) -> Self {
        Self(.invalidAttributeType, attribute: name, message: "attribute '\(name)' must be \(expected)")
    }

    /// An attribute's value is malformed (for example a `time` that is not RFC 3339).
    public static func invalidAttributeValue(_ name: String, value: String, reason: String) -> Self {
        Self(
            .invalidAttributeValue,
            attribute: name,
            message: "attribute '\(name)' has invalid value '\(value)': \(reason)"
        )
    }

    /// `specversion` is not `1.0`.
    public static func unsupportedSpecVersion(_ version: String) -> Self {
        Self(
            .unsupportedSpecVersion,
            attribute: "specversion",
            message: "specversion '\(version)' is not supported; Herald reads and writes CloudEvents '1.0'"
        )
    }

    /// An extension attribute's name breaks the CloudEvents naming rule.
    public static func invalidExtensionName(_ name: String, reason: String) -> Self {
        Self(
            .invalidExtensionName,
            attribute: name,
            message: "extension attribute name '\(name)' is invalid: \(reason)"
        )
    }

    /// `data_base64` is not valid base64.
    public static func invalidBase64() -> Self {
        Self(.invalidBase64, attribute: "data_base64", message: "attribute 'data_base64' is not valid base64")
    }

    /// The document is not JSON of the expected shape.
    public static func invalidJSON(_ reason: String) -> Self {
        Self(.invalidJSON, attribute: nil, message: "not a valid CloudEvents JSON document: \(reason)")
    }

    /// Both `data` and `data_base64` are present.
    public static func conflictingData() -> Self {
        Self(
            .conflictingData,
            attribute: "data_base64",
            message: "'data' and 'data_base64' must not both be present"
        )
    }

    /// An event object names the same attribute more than once (JSON leaves it open which one counts).
    public static func duplicateAttribute(_ name: String) -> Self {
        Self(
            .duplicateAttribute,
            attribute: name,
            message: "attribute '\(name)' appears more than once in the event; name each attribute once"
        )
    }

    /// A string attribute holds what CloudEvents forbids in strings: bytes that are not UTF-8, an unpaired
    /// surrogate, a control character (U+0000–U+001F, U+007F–U+009F) or a noncharacter.
    public static func invalidCharacters(_ name: String, reason: String) -> Self {
        Self(
            .invalidCharacters,
            attribute: name,
            message: "attribute '\(name)' is not a valid CloudEvents string: \(reason)"
        )
    }

    /// The document broke a ``JSONLimits`` bound (too deep or too large) and was refused undecoded.
    public static func limitExceeded(_ error: JSONLimitError) -> Self {
        Self(.limitExceeded, attribute: nil, message: "not accepted as a CloudEvents JSON document: \(error.message)")
    }

    /// `error`, raised by the event at `index` of a JSON batch: the same code and attribute, with
    /// ``batchIndex`` set and the message prefixed with `batch element <index>`.
    public static func batchElement(_ index: Int, _ error: CloudEventError) -> Self {
        Self(
            error.code,
            attribute: error.attribute,
            message: "batch element \(index): \(error.message)",
            batchIndex: index
        )
    }

    /// Whether two errors have the same code, whatever their details.
    public func hasSameCode(as other: Self) -> Bool {
        code == other.code
    }

    public var description: String { "CloudEventError: \(message)" }
}
