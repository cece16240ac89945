import Herald
import NIOCore
import Testing

import struct Foundation.Date

private struct OrderPlaced: TypedEvent, Equatable {
    static let eventType = "coffee.order.placed"

    var orderID: String
    var drink: String
    var quantity: Int
    var placedAt: Date

    var subject: String? { orderID }
}

private struct OrderPlacedV2: TypedEvent, Equatable {
    static let eventType = "coffee.order.placed"
    static let eventVersion = 2

    var orderID: String
    var items: [String]
}

@Suite("Typed events")
struct TypedEventTests {
    private let order = OrderPlaced(
        orderID: "o-42",
        drink: "flat white",
        quantity: 2,
        placedAt: Date(timeIntervalSince1970: 1_763_899_200)
    )

    @Test("a typed event becomes an Event with a versioned type and JSON data")
    func encodesToEvent() throws {
        let event = try Event(order, id: "e-1", source: "/coffee/orders", time: CloudEventFixtures.time)
        #expect(event.type == "coffee.order.placed.v1")
        #expect(OrderPlaced.cloudEventType == "coffee.order.placed.v1")
        #expect(event.dataContentType == "application/json")
        #expect(event.subject == "o-42")
        #expect(event.id == "e-1")
        #expect(event.source == "/coffee/orders")
        #expect(event.time == CloudEventFixtures.time)
        #expect(try event.decode(as: OrderPlaced.self) == order)
    }

    @Test("the version is part of the type")
    func versionedType() throws {
        let event = try Event(OrderPlacedV2(orderID: "o", items: ["a"]), source: "/s")
        #expect(event.type == "coffee.order.placed.v2")
        #expect(event.subject == nil)
        #expect(!event.id.isEmpty)
        #expect(try event.decode(as: OrderPlacedV2.self) == OrderPlacedV2(orderID: "o", items: ["a"]))
    }

    @Test("decoding as another type is a type mismatch")
    func wrongType() throws {
        let event = try Event(order, source: "/coffee/orders")
        do {
            _ = try event.decode(as: OrderPlacedV2.self)
            Issue.record("expected a type mismatch")
        } catch {
            #expect(error.isTypeMismatch)
            #expect(error.message.contains("coffee.order.placed.v2"))
            #expect(error.message.contains("coffee.order.placed.v1"))
        }
    }

    @Test(
        "data that does not fit the type is a contract error, not a crash",
        arguments: ["not json at all", "{", #"{"orderID":"o"}"#, #"{"orderID":5,"drink":"x","quantity":1}"#, "[]"]
    )
    func garbageData(data: String) throws {
        let event = try Event(
            id: "e-1",
            source: "/s",
            type: OrderPlaced.cloudEventType,
            dataContentType: "application/json",
            data: ByteBuffer(string: data)
        )
        do {
            _ = try event.decode(as: OrderPlaced.self)
            Issue.record("expected a contract error")
        } catch {
            #expect(!error.isTypeMismatch)
            #expect(error.underlying != nil)
            #expect(error.message.contains("e-1"))
        }
    }

    @Test("an event without data is a contract error")
    func missingData() throws {
        let event = try Event(id: "e-1", source: "/s", type: OrderPlaced.cloudEventType)
        #expect(throws: EventContractError.self) {
            _ = try event.decode(as: OrderPlaced.self)
        }
    }

    @Test("a typed event survives the JSON event format")
    func throughJSONFormat() throws {
        let event = try Event(order, id: "e-1", source: "/coffee/orders", time: CloudEventFixtures.time)
        let decoded = try CloudEventJSON.decode(try CloudEventJSON.encode(event))
        #expect(decoded.type == event.type)
        #expect(decoded.subject == event.subject)
        #expect(decoded.time == event.time)
        #expect(try decoded.decode(as: OrderPlaced.self) == order)
        let encoded = String(buffer: try CloudEventJSON.encode(event))
        #expect(encoded.contains(#""data":{"#), "the payload is embedded as JSON, not base64")
    }
}
