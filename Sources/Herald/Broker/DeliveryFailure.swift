/// Why a delivery failed, as recorded with a nack or a reject and carried into the dead letter.
public struct DeliveryFailure: Sendable, Hashable, CustomStringConvertible {
    /// The Swift type of the error (for example `PaymentDeclined`), or a broker cause such as
    /// `AckDeadlineExceeded`.
    public var errorType: String
    /// The error's message.
    public var message: String

    /// Creates a failure record.
    public init(errorType: String, message: String) {
        self.errorType = errorType
        self.message = message
    }

    /// Records `error` by its type name and description (without a leading "<type name>: ", which the
    /// type name already says).
    public init(_ error: any Error) {
        let errorType = String(describing: Swift.type(of: error))
        let description = String(describing: error)
        self.errorType = errorType
        self.message = description.hasPrefix("\(errorType): ") ? String(description.dropFirst(errorType.count + 2)) : description
    }

    public var description: String { "\(errorType): \(message)" }
}
