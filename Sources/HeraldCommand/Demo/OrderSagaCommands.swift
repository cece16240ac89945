import Herald

/// The order saga asks the cashier to charge a card.
struct ChargeCard: TypedCommand {
    static let eventType = "coffee.card.charge"
    var orderID: String
    var customer: String
    var drink: String
    var priceCents: Int
    var subject: String? { orderID }
}

/// The order saga asks the barista to make a drink.
struct MakeDrink: TypedCommand {
    static let eventType = "coffee.drink.make"
    var orderID: String
    var customer: String
    var drink: String
    var subject: String? { orderID }
}

/// The order saga asks the cashier to give the money back (the compensation of ``ChargeCard``).
struct RefundCard: TypedCommand {
    static let eventType = "coffee.card.refund"
    var orderID: String
    var customer: String
    var priceCents: Int
    var subject: String? { orderID }
}

/// The orchestrated shop's topics: the saga's orders, one command topic per service, and the events
/// they answer with.
enum SagaTopic {
    static let orders = "saga-orders"
    static let cashier = "cashier-commands"
    static let barista = "barista-commands"
    static let events = "shop-events"
    static let timeouts = "saga-timeouts"
    static let all = [orders, cashier, barista, events, timeouts]
}
