import Herald

// The README's event type, for its testing example (ReadmeTestingExample.swift, compiled as printed).
struct OrderPlaced: TypedEvent {
    static let eventType = "coffee.order.placed"
    var orderID: String
    var drink: String
    var subject: String? { orderID }
}
