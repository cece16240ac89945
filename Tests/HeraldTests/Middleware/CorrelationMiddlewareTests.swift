import Herald
import Testing

@Suite("CorrelationMiddleware")
struct CorrelationMiddlewareTests {
    @Test("an event that starts a flow becomes its correlation id and the cause of what follows")
    func startsAFlow() async throws {
        let broker = RecordingNullBroker()
        let context = makeTestContext(for: try makeTestEvent(id: "first"), broker: broker)
        try await CorrelationMiddleware().handle(context) { context in
            #expect(EventLineage.current == EventLineage(correlationID: "first", causationID: "first"))
            try await context.publisher.publish(try makeTestEvent(id: "second"), to: "next")
        }
        let published = try #require(broker.publishedEvents.first)
        #expect(published.extensionValue("correlationid") == "first")
        #expect(published.extensionValue("causationid") == "first")
    }

    @Test("an event inside a flow passes the flow's correlation id on")
    func continuesAFlow() async throws {
        let broker = RecordingNullBroker()
        let incoming = try makeTestEvent(id: "second", extensions: ["correlationid": "flow-1", "causationid": "first"])
        let context = makeTestContext(for: incoming, broker: broker)
        try await CorrelationMiddleware().handle(context) { context in
            try await context.publisher.publish(try makeTestEvent(id: "third"), to: "next")
        }
        let published = try #require(broker.publishedEvents.first)
        #expect(published.extensionValue("correlationid") == "flow-1")
        #expect(published.extensionValue("causationid") == "second")
    }

    @Test("ids an outgoing event already carries are kept")
    func keepsExplicitIDs() async throws {
        let broker = RecordingNullBroker()
        let context = makeTestContext(for: try makeTestEvent(id: "first"), broker: broker)
        try await CorrelationMiddleware().handle(context) { context in
            let explicit = try makeTestEvent(id: "other", extensions: ["correlationid": "chosen"])
            try await context.publisher.publish(explicit, to: "next")
        }
        #expect(broker.publishedEvents.first?.extensionValue("correlationid") == "chosen")
        #expect(broker.publishedEvents.first?.extensionValue("causationid") == "first")
    }

    @Test("outside a handler nothing is stamped")
    func noLineageOutsideHandlers() async throws {
        let broker = RecordingNullBroker()
        try await Publisher(broker: broker, source: "/test").publish(try makeTestEvent(id: "lonely"), to: "next")
        #expect(broker.publishedEvents.first?.extensionValue("correlationid") == nil)
    }
}
