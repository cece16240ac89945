import Herald
import Logging
import Testing

@Suite struct LoggingMiddlewareTests {
    @Test func logsStartAndFinishWithDurationAtDebugByDefault() async throws {
        let capture = LogCapture()
        let context = makeTestContext(for: try makeTestEvent(id: "log-1"), logger: capture.logger())

        try await LoggingMiddleware().handle(context) { _ in }

        let records = capture.all
        #expect(records.map(\.level) == [.debug, .debug])
        #expect(records.map(\.message) == ["handling event", "handled event"])
        #expect(records.last?.metadata["herald.duration"] != nil)
        #expect(records.allSatisfy { $0.metadata[LogKey.eventID] == "log-1" && $0.metadata[LogKey.topic] == "orders" })
    }

    @Test func usesTheGivenLevelForSuccess() async throws {
        let capture = LogCapture()
        let context = makeTestContext(for: try makeTestEvent(), logger: capture.logger())

        try await LoggingMiddleware(level: .info).handle(context) { _ in }

        #expect(capture.all.map(\.level) == [.info, .info])
    }

    @Test func logsFailuresAtWarningWithTheErrorAndRethrows() async throws {
        let capture = LogCapture()
        let context = makeTestContext(for: try makeTestEvent(), logger: capture.logger())

        await #expect(throws: TransientTestError(number: 5)) {
            try await LoggingMiddleware().handle(context) { _ in throw TransientTestError(number: 5) }
        }

        let warnings = capture.all.filter { $0.level == .warning }
        #expect(warnings.map(\.message) == ["handler failed"])
        #expect(warnings.first?.metadata[LogKey.errorType] == "TransientTestError")
        #expect(warnings.first?.metadata[LogKey.error] == "\(TransientTestError(number: 5))")
        #expect(warnings.first?.metadata["herald.duration"] != nil)
        #expect(!capture.all.contains { $0.message == "handled event" })
    }
}
