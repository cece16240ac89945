import Foundation
import Herald
import NIOCore
import Testing

@testable import HeraldServer

/// The message browser's filter: attributes, extensions and data paths, each operator, and a clear
/// error (never a crash or a hang) for what is not a filter.
@Suite("Dashboard: event filter")
struct EventFilterTests {
    private let order = try? Event(
        id: "evt-1", source: "/shop/counter", type: "shop.order.placed.v1", subject: "A-1", dataContentType: "application/json",
        extensions: ["correlationid": "flow-7"], data: ByteBuffer(string: #"{"order":{"id":"A-1","items":[{"sku":"latte"}]},"total":420,"paid":true}"#))

    @Test(
        "attributes, extensions and data paths, with ==, !=, ~= and ^=, all clauses joined by and",
        arguments: [
            ("type == shop.order.placed.v1", true), ("type == shop.order.paid.v1", false), ("subject != A-2", true),
            ("source ^= /shop", true), ("source ^= /bank", false), ("type ~= placed", true), ("correlationid == flow-7", true),
            ("data.order.id == A-1", true), ("data.order.items.0.sku == latte", true), ("data.total == 420", true), ("data.paid == true", true),
            ("data.missing == x", false), ("data.missing != x", true), (#"subject == "A-1" and data.order.id == A-1"#, true),
            ("subject == A-1 AND type ~= paid", false), (#"data.order.id == "A\-1""#, true),
        ])
    func matches(_ filter: String, _ expected: Bool) throws {
        let event = try #require(order)
        #expect(try EventFilter(parsing: filter).matches(event) == expected, "\(filter)")
    }

    @Test(
        "what is not a filter is refused with where and what is wrong",
        arguments: [
            ("", "expected a clause"), ("type", "expected ==, !=, ~= or ^= at character 5"), ("type == ", "expected a value"),
            (#"type == "open"#, "no closing quote"), ("type == a or subject == b", "'and' between clauses"), ("== a", "expected an attribute"),
        ])
    func refused(_ filter: String, _ message: String) {
        #expect {
            try EventFilter(parsing: filter)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a filter is bounded: too long or too many clauses is refused at once")
    func bounded() {
        #expect(throws: EventFilterError.tooLong(1_001)) { try EventFilter(parsing: String(repeating: "a", count: 1_001)) }
        let many = (0...EventFilter.maximumClauses).map { "type == t\($0)" }.joined(separator: " and ")
        #expect(throws: EventFilterError.tooManyClauses(EventFilter.maximumClauses)) { try EventFilter(parsing: many) }
    }

    @Test("data that is not JSON, or deeper than the limit, matches no data clause and does not fail")
    func unparsableData() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        for body in ["not json", deep] {
            let event = try Event(id: "x", source: "/s", type: "t", data: ByteBuffer(string: body))
            #expect(try !EventFilter(parsing: "data.a == 1").matches(event))
            #expect(try EventFilter(parsing: "data.a != 1").matches(event))
        }
    }
}
