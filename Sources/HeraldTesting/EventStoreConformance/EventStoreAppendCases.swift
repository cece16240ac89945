import Foundation
import Herald
import NIOCore

/// Appends, reads, expected revisions, idempotence and validation.
enum EventStoreAppendCases {
    static let all: [EventStoreConformance.Case] = [
        .init("append and read forwards and backwards, with revisions and metadata", appendAndRead),
        .init("expected revisions: noStream, exact, streamExists and any; a conflict names both revisions and writes nothing", expectedRevisions),
        .init("the same event ids appended again with the same expectation are not stored twice", idempotentAppend),
        .init("an empty append, an id twice in one append and an invalid stream name are refused", invalidAppends),
        .init("all streams in one global order of increasing positions", globalOrder),
        .init("every attribute round-trips exactly, in streams whose names hold dots, wildcards and non-ASCII", exactRoundTrip),
    ]

    static func appendAndRead(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("order")
            let prefix = UUID().uuidString
            let first = try await store.append(try EventStoreConformance.events(prefix, 0..<3), to: stream, expecting: .noStream)
            try checkEqual(first.nextExpectedRevision, 2, "next expected revision after 3 events")
            let second = try await store.append(try EventStoreConformance.events(prefix, 3..<5), to: stream, expecting: .exact(2))
            try checkEqual(second.nextExpectedRevision, 4, "next expected revision after 5 events")
            try check(second.position > first.position, "the later append's position is greater")
            try checkEqual(try await store.lastRevision(of: stream), 4, "last revision")
            try checkEqual(try await store.lastRevision(of: EventStoreConformance.stream("never")), nil, "an unknown stream's last revision")

            let forwards = try await store.read(stream: stream, from: .start, direction: .forwards, limit: 100)
            try checkEqual(forwards.map(\.revision), [0, 1, 2, 3, 4], "revisions read forwards")
            try checkEqual(forwards.map(\.event.id), (0..<5).map { "\(prefix)-\($0)" }, "ids read forwards")
            try checkEqual(forwards.map(\.stream), Array(repeating: stream, count: 5), "streams of the events")
            try checkEqual(forwards.first?.event.extensionValue("correlationid"), "flow-\(prefix)", "metadata kept")
            try checkEqual(forwards.first?.event.data, ByteBuffer(string: "{\"n\":0}"), "data kept")
            try check(zip(forwards, forwards.dropFirst()).allSatisfy { $0.position < $1.position }, "positions increase along the stream")

            let page = try await store.read(stream: stream, from: .revision(1), direction: .forwards, limit: 2)
            try checkEqual(page.map(\.revision), [1, 2], "a page from revision 1")
            let backwards = try await store.read(stream: stream, from: .end, direction: .backwards, limit: 3)
            try checkEqual(backwards.map(\.revision), [4, 3, 2], "read backwards from the end")
            let backFrom = try await store.read(stream: stream, from: .revision(1), direction: .backwards, limit: 10)
            try checkEqual(backFrom.map(\.revision), [1, 0], "read backwards from revision 1")
            let past = try await store.read(stream: stream, from: .revision(5), direction: .forwards, limit: 10)
            try check(past.isEmpty, "a read past the end is empty")
            let unknown = try await store.read(stream: EventStoreConformance.stream("never"), from: .start, direction: .forwards, limit: 10)
            try check(unknown.isEmpty, "an unknown stream reads as empty")
            try checkEqual(try await store.readStream(stream, pageSize: 2).map(\.revision), [0, 1, 2, 3, 4], "readStream in pages of 2")
        }
    }

    static func expectedRevisions(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("account")
            let prefix = UUID().uuidString
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 0..<1), .streamExists, actual: nil)
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 0..<1), .exact(0), actual: nil)
            _ = try await store.append(try EventStoreConformance.events(prefix, 0..<2), to: stream, expecting: .noStream)
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 10..<11), .noStream, actual: 1)
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 10..<11), .exact(0), actual: 1)
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 10..<11), .exact(7), actual: 1)
            let exists = try await store.append(try EventStoreConformance.events(prefix, 2..<3), to: stream, expecting: .streamExists)
            try checkEqual(exists.nextExpectedRevision, 2, "streamExists appends")
            let any = try await store.append(try EventStoreConformance.events(prefix, 3..<4), to: stream, expecting: .any)
            try checkEqual(any.nextExpectedRevision, 3, "any appends")
            let fresh = EventStoreConformance.stream("fresh")
            let created = try await store.append(try EventStoreConformance.events(prefix, 20..<21), to: fresh, expecting: .any)
            try checkEqual(created.nextExpectedRevision, 0, "any creates a stream")
            let stored = try await store.read(stream: stream, from: .start, direction: .forwards, limit: 100)
            try checkEqual(stored.map(\.event.id), (0..<4).map { "\(prefix)-\($0)" }, "refused appends wrote nothing")
        }
    }

    static func idempotentAppend(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("payment")
            let prefix = UUID().uuidString
            let batch = try EventStoreConformance.events(prefix, 0..<3)
            let first = try await store.append(batch, to: stream, expecting: .noStream)
            let again = try await store.append(batch, to: stream, expecting: .noStream)
            try check(again.wasAlreadyAppended, "the retry is recognised")
            try checkEqual(again.nextExpectedRevision, first.nextExpectedRevision, "the retry's revision is the original's")
            try checkEqual(again.position, first.position, "the retry's position is the original's")
            let next = try EventStoreConformance.events(prefix, 3..<5)
            let second = try await store.append(next, to: stream, expecting: .exact(2))
            _ = try await store.append(try EventStoreConformance.events(prefix, 5..<6), to: stream, expecting: .exact(4))
            let late = try await store.append(next, to: stream, expecting: .exact(2))
            try check(late.wasAlreadyAppended, "a retry after later appends is recognised by its expected revision")
            try checkEqual(late.nextExpectedRevision, second.nextExpectedRevision, "the late retry's revision")
            let anyRetry = try await store.append(try EventStoreConformance.events(prefix, 5..<6), to: stream, expecting: .any)
            try check(anyRetry.wasAlreadyAppended, "with any, the stream's last events with the same ids are the retry's")
            let stored = try await store.read(stream: stream, from: .start, direction: .forwards, limit: 100)
            try checkEqual(stored.map(\.event.id), (0..<6).map { "\(prefix)-\($0)" }, "each event stored once")
            // Other ids at those revisions are a conflict, not a retry.
            try await expectConflict(store, stream, try EventStoreConformance.events(prefix, 50..<52), .exact(2), actual: 5)
        }
    }

    static func invalidAppends(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("invalid")
            let prefix = UUID().uuidString
            try await expectRefusal(.invalidAppend, "an empty append") { _ = try await store.append([], to: stream, expecting: .any) }
            let event = try EventStoreConformance.events(prefix, 0..<1)[0]
            try await expectRefusal(.invalidAppend, "an id twice") { _ = try await store.append([event, event], to: stream, expecting: .any) }
            for name in ["", "with space", "$system", String(repeating: "x", count: StreamName.maximumBytes + 1), "tab\there"] {
                try await expectRefusal(.invalidStreamName, "the stream name '\(name)'") { _ = try await store.append([event], to: name, expecting: .any) }
            }
            try checkEqual(try await store.lastRevision(of: stream), nil, "nothing was written")
        }
    }

    static func exactRoundTrip(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let suffix = UUID().uuidString.prefix(8)
            let names = ["order.\(suffix).v1", "cart>*\(suffix)", "café-\(suffix)-ü~%", "a-\(suffix)"]
            let time = Date(timeIntervalSince1970: 1_764_000_000.123)
            let event = try Event(
                id: "exact-\(suffix)", source: "/conformance/exact", type: "conformance.exact.v1", subject: "line 1: ü & ?", time: time,
                dataContentType: "application/json; charset=utf-8", dataSchema: "https://example.com/schema/v1",
                extensions: ["correlationid": "corr-\(suffix)", "causationid": "cause-\(suffix)", "partitionkey": "k 1%"],
                data: ByteBuffer(string: "{ \"spaced\" : [1, 2.50, \"x\"] }"))
            let bare = try Event(id: "bare-\(suffix)", source: "/conformance/exact", type: "conformance.bare.v1")
            for name in names {
                _ = try await store.append([event, bare], to: name, expecting: .noStream)
            }
            for name in names {
                let read = try await store.read(stream: name, from: .start, direction: .forwards, limit: 10)
                try checkEqual(read.map(\.stream), [name, name], "stream name '\(name)' read back")
                try checkEqual(read.first?.event, event, "the event with every attribute, in '\(name)'")
                try checkEqual(read.first?.event.data, event.data, "data bytes kept exactly, in '\(name)'")
                try checkEqual(read.last?.event, bare, "an event with no optional attribute and no data, in '\(name)'")
                try checkEqual(try await store.lastRevision(of: name), 1, "last revision of '\(name)'")
            }
            let all = try await store.readAll(from: 0, limit: 10_000).filter { $0.event.id.hasSuffix(String(suffix)) }
            try checkEqual(Set(all.map(\.stream)), Set(names), "the global order names each stream")
        }
    }

    static func globalOrder(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let streams = (0..<3).map { EventStoreConformance.stream("global\($0)") }
            let prefix = UUID().uuidString
            var appended: [String] = []
            for round in 0..<4 {
                for (index, stream) in streams.enumerated() {
                    let events = try EventStoreConformance.events(prefix, (round * 10 + index * 2)..<(round * 10 + index * 2 + 2))
                    _ = try await store.append(events, to: stream, expecting: .any)
                    appended += events.map(\.id)
                }
            }
            let mine = Set(streams)
            var seen: [RecordedEvent] = []
            var from: UInt64 = 0
            while true {
                let page = try await store.readAll(from: from, limit: 7)
                guard let last = page.last else { break }
                seen += page.filter { mine.contains($0.stream) }
                from = last.position + 1
            }
            try checkEqual(seen.map(\.event.id), appended, "the global order is the order of the appends")
            try check(zip(seen, seen.dropFirst()).allSatisfy { $0.position < $1.position }, "positions increase")
            if let head = try await store.headPosition(), let last = seen.last {
                try check(head >= last.position, "the head is at or after the last append")
            } else {
                throw ConformanceFailure("the head position is missing after appends")
            }
        }
    }

    /// Appends and expects ``WrongExpectedRevisionError`` with `actual`.
    static func expectConflict(
        _ store: any EventStore, _ stream: String, _ events: [Event], _ expected: ExpectedRevision, actual: UInt64?,
        file: StaticString = #fileID, line: UInt = #line
    ) async throws {
        do {
            _ = try await store.append(events, to: stream, expecting: expected)
        } catch let error as WrongExpectedRevisionError {
            try checkEqual(error.stream, stream, "the conflict's stream", file: file, line: line)
            try checkEqual(error.expected, expected, "the conflict's expected revision", file: file, line: line)
            try checkEqual(error.actual, actual, "the conflict's actual revision", file: file, line: line)
            return
        }
        throw ConformanceFailure("appending with \(expected) to '\(stream)' should have been refused with a conflict", file: file, line: line)
    }

    /// Runs `body` and expects ``EventStoreError`` with `code`.
    static func expectRefusal(
        _ code: EventStoreError.Code, _ what: String, file: StaticString = #fileID, line: UInt = #line, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as EventStoreError {
            try checkEqual(error.code, code, "the refusal of \(what)", file: file, line: line)
            return
        }
        throw ConformanceFailure("\(what) should have been refused with \(code)", file: file, line: line)
    }
}
