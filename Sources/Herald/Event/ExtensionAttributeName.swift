/// The name of a CloudEvents extension attribute, and the names Herald itself uses.
///
/// The CloudEvents 1.0 naming rule: only lowercase ASCII letters `a`-`z` and digits `0`-`9`,
/// at least one character. The spec recommends at most 20 characters; Herald enforces that
/// too so that every name it accepts is portable to every transport binding.
public struct ExtensionAttributeName: Sendable, Hashable, RawRepresentable {
    /// The longest name Herald accepts (the spec's recommended limit).
    public static let maximumLength = 20

    /// The context attribute names an extension may not reuse.
    public static let reservedNames: Set<String> = [
        "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema",
        "data", "data_base64",
    ]

    /// The name.
    public let rawValue: String

    /// Creates a name, or returns `nil` when `rawValue` breaks the naming rule.
    public init?(rawValue: String) {
        guard (try? Self.validate(rawValue)) != nil else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) {
        self.rawValue = known
    }

    /// Creates a name Herald itself defines and knows to be valid, without checking it again.
    init(trusted: String) {
        self.rawValue = trusted
    }

    /// Checks `name` against the naming rule.
    ///
    /// - Throws: ``CloudEventError`` naming the attribute and what is wrong with it.
    public static func validate(_ name: String) throws(CloudEventError) {
        if name.isEmpty {
            throw .invalidExtensionName(name, reason: "it is empty")
        }
        if name.utf8.count > maximumLength {
            throw .invalidExtensionName(name, reason: "it is longer than \(maximumLength) characters")
        }
        for byte in name.utf8
        where !(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            && !(byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        {
            throw .invalidExtensionName(name, reason: "only lowercase letters a-z and digits 0-9 are allowed")
        }
        if reservedNames.contains(name) {
            throw .invalidExtensionName(name, reason: "it is a CloudEvents context attribute")
        }
    }

    /// `partitionkey`: overrides `subject` as the key that picks the partition.
    public static let partitionKey = Self(known: "partitionkey")
    /// `traceparent`: the W3C trace context of the span that produced the event.
    public static let traceParent = Self(known: "traceparent")
    /// `tracestate`: the W3C trace state that goes with `traceparent`.
    public static let traceState = Self(known: "tracestate")
    /// `correlationid`: the id shared by every event of one business flow.
    public static let correlationID = Self(known: "correlationid")
    /// `causationid`: the id of the event whose handling produced this one.
    public static let causationID = Self(known: "causationid")
    /// `idempotencykey`: a producer-chosen key for consumer-side idempotency.
    public static let idempotencyKey = Self(known: "idempotencykey")
    /// `replyto`: the topic a command's or query's completion, rejection or response goes to (see
    /// ``Publisher/request(_:to:awaiting:timeout:)``).
    public static let replyTo = Self(known: "replyto")
    /// `requestid`: on a completion, rejection or response, the id of the command or query it answers.
    public static let requestID = Self(known: "requestid")
    /// `heraldredrive`: how many times an operator sent this dead-lettered event back to its topic (1 for
    /// the first redrive). Brokers de-duplicate each redrive apart from the original and the other
    /// redrives (see ``Event/deduplicationKey``).
    public static let redrive = Self(known: "heraldredrive")
    /// `heraldredriveof`: the dead letter a redriven event came from, as `<partition>:<offset>` of the
    /// group's dead-letter topic.
    public static let redriveOf = Self(known: "heraldredriveof")
    /// `heraldreplaces`: on an event an operator edited from a dead letter, the dead letter it replaces,
    /// as `<dead-letter topic>/<partition>:<offset>`.
    public static let replaces = Self(known: "heraldreplaces")
}
