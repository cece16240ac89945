import Herald

/// A customer placed an order at the counter.
struct OrderPlaced: TypedEvent {
    static let eventType = "coffee.order.placed"
    var orderID: String
    var customer: String
    var drink: String
    var priceCents: Int
    var subject: String? { orderID }
}

/// The customer's payment went through.
struct PaymentCaptured: TypedEvent {
    static let eventType = "coffee.payment.captured"
    var orderID: String
    var customer: String
    var drink: String
    var priceCents: Int
    var subject: String? { orderID }
}

/// The barista could not make the drink.
struct DrinkFailed: TypedEvent {
    static let eventType = "coffee.drink.failed"
    var orderID: String
    var customer: String
    var priceCents: Int
    var reason: String
    var subject: String? { orderID }
}

/// The customer got their money back.
struct PaymentRefunded: TypedEvent {
    static let eventType = "coffee.payment.refunded"
    var orderID: String
    var customer: String
    var priceCents: Int
    var subject: String? { orderID }
}

/// The barista finished the drink.
struct DrinkReady: TypedEvent {
    static let eventType = "coffee.drink.ready"
    var orderID: String
    var customer: String
    var drink: String
    var subject: String? { orderID }
}

/// The coffee shop's topics.
enum CoffeeTopic {
    static let orders = "orders"
    static let payments = "payments"
    static let ready = "ready"
    static let problems = "problems"
    static let refunds = "refunds"
    static let all = [orders, payments, ready, problems, refunds]
}
