import Herald
import Logging

/// Typed events the consumer tests use.
struct TestOrderPlaced: TypedEvent, Equatable {
    static let eventType = "test.order.placed"
    var orderID: String
    var item: String
    var subject: String? { orderID }
}

struct TestPaymentRequested: TypedEvent, Equatable {
    static let eventType = "test.payment.requested"
    var orderID: String
    var subject: String? { orderID }
}

struct TestReceiptSent: TypedEvent, Equatable {
    static let eventType = "test.receipt.sent"
    var orderID: String
    var subject: String? { orderID }
}

/// A failure the tests classify as retryable (the default for errors).
struct FlakyDependency: Error {}

/// A failure the tests classify as permanent.
struct CardDeclined: PermanentFailure {}

/// A logger that discards everything, for consumers whose failures a test provokes on purpose.
let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
