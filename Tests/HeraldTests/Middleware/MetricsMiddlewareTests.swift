import Herald
import Metrics
import MetricsTestKit
import Testing

@Suite struct MetricsMiddlewareTests {
    private let dimensions = [("topic", "orders"), ("group", "billing"), ("type", "test.thing.happened.v1")]

    @Test func countsAndTimesASuccess() async throws {
        let metrics = TestMetrics()
        let middleware = MetricsMiddleware(factory: metrics)
        let context = makeTestContext(for: try makeTestEvent(), topic: "orders", group: "billing")
        let inFlightInside = InvocationCounter()

        try await middleware.handle(context) { _ in
            let meter = try metrics.expectMeter(MetricsMiddleware.inFlightLabel, [("topic", "orders"), ("group", "billing")])
            if meter.lastValue == 1 { inFlightInside.increment() }
        }

        let success = dimensions + [("outcome", "success")]
        #expect(try metrics.expectCounter("herald_consumer_handled_total", success).totalValue == 1)
        #expect(metrics.counterTotal(label: "herald_consumer_handled_total", dimensions: [("outcome", "failure")]) == 0)
        let timer = try metrics.expectTimer("herald_consumer_handle_duration", success)
        #expect(timer.values.count == 1)
        #expect(timer.values.allSatisfy { $0 >= 0 })
        #expect(inFlightInside.count == 1, "the in-flight meter is 1 while the handler runs")
        let meter = try metrics.expectMeter("herald_consumer_in_flight", [("topic", "orders"), ("group", "billing")])
        #expect(meter.lastValue == 0)
    }

    @Test func countsAFailureAndRethrows() async throws {
        let metrics = TestMetrics()
        let middleware = MetricsMiddleware(factory: metrics)
        let context = makeTestContext(for: try makeTestEvent(), topic: "orders", group: "billing")

        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in throw TransientTestError() }
        }
        try await middleware.handle(context) { _ in }
        await #expect(throws: TransientTestError.self) {
            try await middleware.handle(context) { _ in throw TransientTestError() }
        }

        #expect(try metrics.expectCounter("herald_consumer_handled_total", dimensions + [("outcome", "failure")]).totalValue == 2)
        #expect(try metrics.expectCounter("herald_consumer_handled_total", dimensions + [("outcome", "success")]).totalValue == 1)
        #expect(try metrics.expectTimer("herald_consumer_handle_duration", dimensions + [("outcome", "failure")]).values.count == 2)
        #expect(try metrics.expectMeter("herald_consumer_in_flight", [("topic", "orders"), ("group", "billing")]).lastValue == 0)
    }
}
