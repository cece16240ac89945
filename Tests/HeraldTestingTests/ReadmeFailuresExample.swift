import HeraldTesting
import Testing

struct CardDeclined: PermanentFailure {}  // retrying cannot help: dead-lettered at once

@Test func declinedCardsAreDeadLettered() async throws {
    let harness = TestHarness()
    try await harness.createTopic("orders")
    var billing = harness.consumer(group: "billing")
    billing.handle(OrderPlaced.self, from: "orders") { order, context in
        if order.drink == "unpaid" { throw CardDeclined() }
    }
    try await harness.publish(OrderPlaced(orderID: "A-7", drink: "unpaid"), to: "orders")
    try await harness.run([billing])

    // Read the dead letters back: the original event, the failure, where it came from.
    let broker = harness.broker
    let letters = try await broker.readDeadLetters(group: "billing", on: "orders", partition: 0, from: 0, limit: 100)
    let letter = try #require(letters.first?.deadLetter)
    #expect(letter.failure.errorType == "CardDeclined")
    #expect(letter.attempts == 1 && letter.originTopic == "orders")

    // Redrive it once the cause is fixed: publish the original event to its topic again. Every group of the
    // topic receives it; within the topic's de-duplication window the broker takes it for a duplicate
    // (receipt.isDuplicate), so redrive after the window, or with a new id.
    let receipt = try await broker.publish(letter.event, to: letter.originTopic)
    #expect(receipt.isDuplicate)
}
