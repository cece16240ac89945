import Foundation
import NIOCore
import Testing

@testable import HeraldNATS

/// A stream name and subject unique to one test.
private func uniqueStream(_ name: String) -> (stream: String, subject: String) {
    let suffix = UUID().uuidString.prefix(8)
    return ("TEST_\(name.uppercased())_\(suffix)", "jstest.\(name).\(suffix)")
}

/// Runs `body` with a JetStream context on the shared server and a fresh stream, deleting it afterwards.
private func withStream<T>(
    _ name: String,
    configure: (inout StreamConfiguration) -> Void = { _ in },
    _ body: (JetStream, StreamInfo) async throws -> T
) async throws -> T {
    try await withClient(try TestEnvironment.requireNATSURL()) { client in
        let jetStream = JetStream(client: client)
        let (stream, subject) = uniqueStream(name)
        var configuration = StreamConfiguration(name: stream, subjects: ["\(subject).>"])
        configuration.storage = .memory
        configure(&configuration)
        let info = try await jetStream.createStream(configuration)
        do {
            let result = try await body(jetStream, info)
            try? await jetStream.deleteStream(stream)
            return result
        } catch {
            try? await jetStream.deleteStream(stream)
            throw error
        }
    }
}

/// Expects `body` to throw a ``JetStreamError`` of `kind`; returns it.
@discardableResult
private func expectJetStreamError(
    _ kind: JetStreamError.Kind,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> JetStreamError? {
    do {
        try await body()
        Issue.record("expected JetStreamError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as JetStreamError {
        #expect(error.kind == kind, "expected \(kind), got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected JetStreamError.\(kind), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite(
    "JetStream API against a server",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server"),
    .timeLimit(.minutes(1))
)
struct JetStreamTests {
    @Test("streams: create (idempotent), info, update, purge, list, delete; typed errors name the stream")
    func streams() async throws {
        try await withStream(
            "streams",
            configure: {
                $0.maximumMessages = 100
                $0.duplicateWindow = .seconds(30)
            }
        ) { jetStream, info in
            let name = info.configuration.name
            #expect(info.configuration.maximumMessages == 100)
            #expect(info.configuration.duplicateWindow == .seconds(30))
            #expect(info.configuration.storage == .memory)
            #expect(info.state.messages == 0)

            // The same configuration again: no error.
            let again = try await jetStream.createStream(info.configuration)
            #expect(again.configuration.name == name)
            // Another configuration under the same name: refused.
            var different = info.configuration
            different.maximumMessages = 5
            let error = await expectJetStreamError(.streamNameInUse) { _ = try await jetStream.createStream(different) }
            #expect(error?.errorCode == 10058)
            #expect(error?.message.contains(name) == true)

            let updated = try await jetStream.updateStream(different)
            #expect(updated.configuration.maximumMessages == 5)

            let subject = info.configuration.subjects[0].replacingOccurrences(of: ">", with: "a")
            for index in 0..<3 { _ = try await jetStream.publish(subject, payload: ByteBuffer(string: "m\(index)")) }
            let state = try await jetStream.streamInfo(name).state
            #expect(state.messages == 3 && state.firstSequence == 1 && state.lastSequence == 3)
            #expect(state.lastTime != nil)

            #expect(try await jetStream.purgeStream(name, StreamPurgeRequest(sequence: 3)) == 2)
            #expect(try await jetStream.streamInfo(name).state.firstSequence == 3)

            let listed = try await jetStream.streams(matching: info.configuration.subjects[0])
            #expect(listed.map(\.configuration.name) == [name])

            try await jetStream.deleteStream(name)
            let missing = await expectJetStreamError(.streamNotFound) { _ = try await jetStream.streamInfo(name) }
            #expect(missing?.message.contains(name) == true)
            // Recreated so that withStream's cleanup finds it.
            _ = try await jetStream.createStream(info.configuration)
        }
    }

    @Test("invalid stream and consumer names are refused before anything is sent")
    func invalidNames() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let jetStream = JetStream(client: client)
            await expectJetStreamError(.invalidName) { _ = try await jetStream.streamInfo("has.dot") }
            await expectJetStreamError(.invalidName) { _ = try await jetStream.consumerInfo(stream: "S", consumer: "a b") }
        }
    }

    @Test("publish: acknowledgement, de-duplication by message id, expected sequences, full stream, no stream")
    func publish() async throws {
        try await withStream(
            "publish",
            configure: {
                $0.maximumMessages = 4
                $0.discard = .new
            }
        ) { jetStream, info in
            let base = info.configuration.subjects[0].replacingOccurrences(of: ".>", with: "")
            let first = try await jetStream.publish("\(base).x", payload: ByteBuffer(string: "1"), options: PublishOptions(messageID: "id-1"))
            #expect(first.stream == info.configuration.name && first.sequence == 1 && !first.isDuplicate)
            let duplicate = try await jetStream.publish("\(base).x", payload: ByteBuffer(string: "1"), options: PublishOptions(messageID: "id-1"))
            #expect(duplicate.isDuplicate && duplicate.sequence == 1)

            let second = try await jetStream.publish("\(base).y", options: PublishOptions(expectedLastSequence: 1))
            #expect(second.sequence == 2)
            let wrong = await expectJetStreamError(.wrongLastSequence) {
                _ = try await jetStream.publish("\(base).y", options: PublishOptions(expectedLastSequence: 1))
            }
            #expect(wrong?.errorCode == 10071)
            // Per subject: the last on "x" is 1.
            _ = try await jetStream.publish("\(base).x", options: PublishOptions(expectedLastSubjectSequence: 1))
            await expectJetStreamError(.wrongLastSequence) {
                _ = try await jetStream.publish("\(base).x", options: PublishOptions(expectedLastSubjectSequence: 1))
            }
            await expectJetStreamError(.wrongStream) {
                _ = try await jetStream.publish("\(base).x", options: PublishOptions(expectedStream: "ANOTHER"))
            }

            _ = try await jetStream.publish("\(base).z")
            let full = await expectJetStreamError(.streamFull) { _ = try await jetStream.publish("\(base).z") }
            #expect(full?.serverDescription?.contains("maximum messages") == true)

            await expectJetStreamError(.noStream) { _ = try await jetStream.publish("jstest.nobody.listens.\(UUID().uuidString)") }
        }
    }

    @Test("pipelined publishes keep their order and report each result")
    func pipelinedPublish() async throws {
        try await withStream(
            "pipeline",
            configure: {
                $0.maximumMessages = 50
                $0.discard = .new
            }
        ) { jetStream, info in
            let subject = info.configuration.subjects[0].replacingOccurrences(of: ">", with: "p")
            var messages = (0..<60).map { JetStreamOutgoingMessage(subject: subject, payload: ByteBuffer(string: "\($0)")) }
            messages[10].options.messageID = "same"
            messages[11].options.messageID = "same"
            let results = await jetStream.publish(messages)
            #expect(results.count == 60)
            let acks = results.compactMap { try? $0.get() }
            // 50 stored, 1 duplicate of one of them, 9 refused because the stream was full.
            #expect(acks.filter { !$0.isDuplicate }.map(\.sequence) == Array(1...50))
            #expect(acks.filter(\.isDuplicate).map(\.sequence) == [11])
            let refusals = results.compactMap { result -> JetStreamError? in
                if case .failure(let error as JetStreamError) = result { return error }
                return nil
            }
            #expect(refusals.count == 9 && refusals.allSatisfy { $0.kind == .streamFull })
            let stored = try await jetStream.messages(stream: info.configuration.name, sequences: [1, 25, 50, 51])
            // Message 11 was not stored, so sequence n holds message n from 12 on.
            #expect(stored.map { $0.map(\.payload) } == [ByteBuffer(string: "0"), ByteBuffer(string: "25"), ByteBuffer(string: "50"), nil])
        }
    }

    @Test("messages by sequence and the last of a subject, with headers and store time")
    func getMessages() async throws {
        try await withStream("get") { jetStream, info in
            let base = info.configuration.subjects[0].replacingOccurrences(of: ".>", with: "")
            let before = Date()
            _ = try await jetStream.publish("\(base).a", payload: ByteBuffer(string: "one"), headers: ["X-Kind": "first", "X-Kind": "again"])
            _ = try await jetStream.publish("\(base).b", payload: ByteBuffer(string: "two"))
            _ = try await jetStream.publish("\(base).a", payload: ByteBuffer(string: "three"))
            let first = try await jetStream.message(stream: info.configuration.name, sequence: 1)
            #expect(first.subject == "\(base).a" && first.payload == ByteBuffer(string: "one"))
            #expect(first.headers?.values(for: "X-Kind") == ["first", "again"])
            #expect(abs(first.time.timeIntervalSince(before)) < 5)
            let last = try await jetStream.lastMessage(stream: info.configuration.name, subject: "\(base).a")
            #expect(last.sequence == 3 && last.payload == ByteBuffer(string: "three") && last.headers == nil)
            await expectJetStreamError(.messageNotFound) { _ = try await jetStream.message(stream: info.configuration.name, sequence: 99) }
        }
    }

    @Test("consumers: durable pull configuration round trip, deliver policies, list, delete")
    func consumers() async throws {
        try await withStream("consumers") { jetStream, info in
            let stream = info.configuration.name
            let base = info.configuration.subjects[0].replacingOccurrences(of: ".>", with: "")
            for index in 0..<5 { _ = try await jetStream.publish("\(base).\(index % 2 == 0 ? "even" : "odd")") }
            let boundary = Date()
            try await Task.sleep(for: .milliseconds(20))
            _ = try await jetStream.publish("\(base).even")

            var configuration = ConsumerConfiguration(
                durableName: "workers",
                deliverPolicy: .all,
                ackPolicy: .explicit,
                ackWait: .seconds(7),
                maximumDeliveries: 4,
                maximumAckPending: 12,
                filterSubject: "\(base).even",
                description: "a test consumer"
            )
            configuration.backoff = [.seconds(1), .seconds(2)]
            let created = try await jetStream.createConsumer(stream: stream, configuration)
            #expect(created.name == "workers" && created.streamName == stream)
            // With a backoff, the server takes its first step as the ack wait.
            #expect(created.configuration.ackWait == .seconds(1))
            #expect(created.configuration.maximumDeliveries == 4)
            #expect(created.configuration.maximumAckPending == 12)
            #expect(created.configuration.filterSubject == "\(base).even")
            #expect(created.configuration.backoff == [.seconds(1), .seconds(2)])
            #expect(created.configuration.description == "a test consumer")
            #expect(created.numberPending == 4)

            let bySequence = try await jetStream.createConsumer(
                stream: stream,
                ConsumerConfiguration(durableName: "from4", deliverPolicy: .byStartSequence(4), ackWait: .seconds(7))
            )
            #expect(bySequence.configuration.ackWait == .seconds(7))
            #expect(bySequence.numberPending == 3)
            #expect(bySequence.delivered.streamSequence == 3)
            let byTime = try await jetStream.createConsumer(
                stream: stream,
                ConsumerConfiguration(durableName: "late", deliverPolicy: .byStartTime(boundary))
            )
            #expect(byTime.numberPending == 1)
            if case .byStartTime(let time) = byTime.configuration.deliverPolicy {
                #expect(abs(time.timeIntervalSince(boundary)) < 0.001)
            } else {
                Issue.record("deliver policy came back as \(byTime.configuration.deliverPolicy)")
            }
            let fresh = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: "fresh", deliverPolicy: .new))
            #expect(fresh.numberPending == 0)
            let ephemeral = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: nil, ackPolicy: .none))
            #expect(!ephemeral.name.isEmpty)

            let names = Set(try await jetStream.consumers(stream: stream).map(\.name))
            #expect(names.isSuperset(of: ["workers", "from4", "late", "fresh"]))
            try await jetStream.deleteConsumer(stream: stream, consumer: "fresh")
            let missing = await expectJetStreamError(.consumerNotFound) { _ = try await jetStream.consumerInfo(stream: stream, consumer: "fresh") }
            #expect(missing?.message.contains("fresh") == true)
        }
    }

    @Test("fetch: batches, metadata from the ack subject, no_wait, expiry, heartbeats")
    func fetch() async throws {
        try await withStream("fetch") { jetStream, info in
            let stream = info.configuration.name
            let subject = info.configuration.subjects[0].replacingOccurrences(of: ">", with: "f")
            for index in 0..<5 { _ = try await jetStream.publish(subject, payload: ByteBuffer(string: "m\(index)")) }
            _ = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: "c", ackWait: .seconds(30)))

            let batch = try await jetStream.fetch(stream: stream, consumer: "c", batch: 3, expires: .seconds(2))
            #expect(batch.map(\.payload) == (0..<3).map { ByteBuffer(string: "m\($0)") })
            let metadata = try #require(batch.last?.metadata)
            #expect(metadata.stream == stream && metadata.consumer == "c")
            #expect(metadata.delivered == 1 && metadata.streamSequence == 3 && metadata.consumerSequence == 3)
            #expect(metadata.pending == 2)
            #expect(abs(metadata.timestamp.timeIntervalSinceNow) < 10)

            // no_wait returns what is there (2) instead of waiting for the batch of 10.
            let clock = ContinuousClock()
            var started = clock.now
            let rest = try await jetStream.fetch(stream: stream, consumer: "c", batch: 10, noWait: true)
            #expect(rest.count == 2)
            #expect(clock.now - started < .seconds(2))
            // Nothing left: no_wait answers 404 at once.
            started = clock.now
            #expect(try await jetStream.fetch(stream: stream, consumer: "c", batch: 1, noWait: true).isEmpty)
            #expect(clock.now - started < .seconds(2))
            // A waiting request with heartbeats ends with 408 after its expiry.
            started = clock.now
            let none = try await jetStream.fetch(stream: stream, consumer: "c", batch: 1, expires: .milliseconds(600), heartbeat: .milliseconds(100))
            #expect(none.isEmpty)
            #expect(clock.now - started >= .milliseconds(500))
            for message in batch + rest { try await message.ack(confirmed: true) }
            #expect(try await jetStream.consumerInfo(stream: stream, consumer: "c").numberAckPending == 0)
        }
    }

    @Test("a pull request to a deleted consumer is refused with 409")
    func fetchDeletedConsumer() async throws {
        try await withStream("deleted") { jetStream, info in
            let stream = info.configuration.name
            _ = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: "gone"))
            let waiting = Task { try await jetStream.fetch(stream: stream, consumer: "gone", batch: 1, expires: .seconds(5)) }
            try await Task.sleep(for: .milliseconds(200))
            try await jetStream.deleteConsumer(stream: stream, consumer: "gone")
            do {
                _ = try await waiting.value
                Issue.record("a pull request on a deleted consumer returned normally")
            } catch let error as JetStreamError {
                #expect(error.kind == .pullRefused && error.statusCode == 409)
            }
        }
    }

    @Test("ack verbs: nak with delay redelivers after it, in-progress holds, term stops, double ack confirms")
    func acknowledgements() async throws {
        try await withStream("acks") { jetStream, info in
            let stream = info.configuration.name
            let subject = info.configuration.subjects[0].replacingOccurrences(of: ">", with: "a")
            _ = try await jetStream.publish(subject, payload: ByteBuffer(string: "nak"))
            _ = try await jetStream.publish(subject, payload: ByteBuffer(string: "progress"))
            _ = try await jetStream.publish(subject, payload: ByteBuffer(string: "term"))
            _ = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: "c", ackWait: .seconds(6)))
            let clock = ContinuousClock()
            let first = try await jetStream.fetch(stream: stream, consumer: "c", batch: 3, expires: .seconds(2))
            #expect(first.count == 3)
            let nakAt = clock.now
            try await first[0].nak(delay: .milliseconds(400), confirmed: true)
            try await first[2].term(confirmed: true)
            // Keep the second in progress well past its 6 s ack wait: a gap between two in-progress signals
            // would have to pass 6 s for it to come back (with a 3 s wait it came back once under a full run
            // on 2 cores, where the test's task waited seconds for a thread).
            for _ in 0..<30 {
                try await Task.sleep(for: .milliseconds(250))
                try await first[1].inProgress(confirmed: true)
            }
            // By now (about 7.5 s later) only the nak'd message has come back, with delivery count 2.
            let again = try await jetStream.fetch(stream: stream, consumer: "c", batch: 3, expires: .milliseconds(300))
            #expect(again.map(\.payload) == [ByteBuffer(string: "nak")])
            #expect(again.first?.metadata.delivered == 2)
            #expect(clock.now - nakAt >= .milliseconds(400))
            try await first[1].ack(confirmed: true)
            try await again[0].ack(confirmed: true)
            let info = try await jetStream.consumerInfo(stream: stream, consumer: "c")
            #expect(info.numberAckPending == 0 && info.ackFloor.streamSequence == 3)
        }
    }

    @Test("a confirmed ack on a deleted consumer fails with consumerNotFound")
    func ackWithoutConsumer() async throws {
        try await withStream("noconsumer") { jetStream, info in
            let stream = info.configuration.name
            _ = try await jetStream.publish(info.configuration.subjects[0].replacingOccurrences(of: ">", with: "x"))
            _ = try await jetStream.createConsumer(stream: stream, ConsumerConfiguration(durableName: "c"))
            let message = try #require(try await jetStream.fetch(stream: stream, consumer: "c", batch: 1).first)
            try await jetStream.deleteConsumer(stream: stream, consumer: "c")
            await expectJetStreamError(.consumerNotFound) { try await message.ack(confirmed: true) }
        }
    }

    @Test("account info answers, and JetStream under another prefix is reported as not enabled")
    func accountInfo() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            _ = try await JetStream(client: client).accountInfo()
            let elsewhere = JetStream(client: client, options: JetStreamOptions(domain: "nowhere", requestTimeout: .seconds(1)))
            await expectJetStreamError(.noStream) { _ = try await elsewhere.accountInfo() }
        }
    }
}

@Suite("JetStream coding")
struct JetStreamCodingTests {
    @Test("ack subjects, old and new forms, parse into metadata; others are refused")
    func metadata() throws {
        let old = try JetStreamMessageMetadata(replyTo: "$JS.ACK.ORDERS.billing.3.1042.17.1763900000123456789.5")
        #expect(old.stream == "ORDERS" && old.consumer == "billing" && old.domain == nil)
        #expect(old.delivered == 3 && old.streamSequence == 1042 && old.consumerSequence == 17 && old.pending == 5)
        #expect(abs(old.timestamp.timeIntervalSince1970 - 1_763_900_000.123456789) < 0.000_001)

        let new = try JetStreamMessageMetadata(replyTo: "$JS.ACK.hub.ACCHASH.ORDERS.billing.1.7.7.1763900000000000000.0.token")
        #expect(new.domain == "hub" && new.accountHash == "ACCHASH" && new.stream == "ORDERS" && new.streamSequence == 7)
        let noDomain = try JetStreamMessageMetadata(replyTo: "$JS.ACK._.ACCHASH.ORDERS.billing.1.7.7.1763900000000000000.0")
        #expect(noDomain.domain == nil && noDomain.consumer == "billing")

        for bad in ["_INBOX.abc", "$JS.ACK.ORDERS.billing.x.1.1.1.0", "$JS.ACK.too.short", ""] {
            #expect(throws: JetStreamError.self) { try JetStreamMessageMetadata(replyTo: bad) }
        }
        #expect(throws: JetStreamError.self) { try JetStreamMessageMetadata(replyTo: nil) }
    }

    @Test("publish acknowledgements parse on the fast path and fall back to the decoder")
    func pubAcks() throws {
        #expect(PubAck.fastParse(ByteBuffer(string: #"{"stream":"S", "seq":42}"#)) == PubAck(stream: "S", sequence: 42))
        #expect(
            PubAck.fastParse(ByteBuffer(string: #"{"stream":"S", "seq":1,"duplicate": true}"#))
                == PubAck(stream: "S", sequence: 1, isDuplicate: true)
        )
        #expect(PubAck.fastParse(ByteBuffer(string: #"{"stream":"S","seq":7,"domain":"hub"}"#)) == nil)
        #expect(try JetStream.pubAck(from: ByteBuffer(string: #"{"stream":"S","seq":7,"domain":"hub"}"#), subject: "s").domain == "hub")
        let error = #expect(throws: JetStreamError.self) {
            try JetStream.pubAck(
                from: ByteBuffer(string: #"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"S","seq":0}"#),
                subject: "orders.x"
            )
        }
        #expect(error?.kind == .streamFull && error?.message.contains("orders.x") == true)
        #expect(throws: JetStreamError.self) { try JetStream.pubAck(from: ByteBuffer(string: "not json"), subject: "s") }
    }

    @Test("RFC 3339 times with nine fractional digits, offsets and Go's zero time")
    func times() throws {
        let parsed = try #require(JetStreamTime.parse("2026-11-23T15:45:22.557682824Z"))
        #expect(abs(parsed.timeIntervalSince1970 - 1_795_448_722.557682824) < 0.000_001)
        #expect(JetStreamTime.parse("2026-11-23T16:45:22+01:00") == JetStreamTime.parse("2026-11-23T15:45:22Z"))
        #expect(JetStreamTime.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(JetStreamTime.parse("0001-01-01T00:00:00Z") != nil)
        for bad in ["", "2026-13-01T00:00:00Z", "2026-11-23 15:45", "2026-11-23T15:45:22.Z", "2026-11-23T15:45:22"] {
            #expect(JetStreamTime.parse(bad) == nil, "\(bad)")
        }
        let date = Date(timeIntervalSince1970: 1_763_900_000.25)
        #expect(JetStreamTime.format(date) == "2025-11-23T12:13:20.250000Z")
        #expect(JetStreamTime.parse(JetStreamTime.format(date)) == date)
        let before1970 = Date(timeIntervalSince1970: -86_400.5)
        #expect(JetStreamTime.format(before1970) == "1969-12-30T23:59:59.500000Z")
    }

    @Test("configurations encode the API's field names, nanosecond durations and deliver policies")
    func configurationJSON() throws {
        var stream = StreamConfiguration(name: "S", subjects: ["s.>"], description: "d")
        stream.maximumAge = .seconds(2)
        stream.duplicateWindow = .milliseconds(1_500)
        stream.discard = .new
        stream.storage = .memory
        let streamJSON = String(buffer: try JetStream.encode(stream))
        #expect(streamJSON.contains(#""max_age":2000000000"#) && streamJSON.contains(#""duplicate_window":1500000000"#))
        #expect(streamJSON.contains(#""discard":"new""#) && streamJSON.contains(#""storage":"memory""#))
        #expect(!streamJSON.contains("max_msgs"))
        let decoded = try JSONDecoder().decode(StreamConfiguration.self, from: Data(streamJSON.utf8))
        #expect(decoded == stream)

        let consumer = ConsumerConfiguration(durableName: "c", deliverPolicy: .byStartSequence(42), ackWait: .milliseconds(250))
        let consumerJSON = String(buffer: try JetStream.encode(consumer))
        #expect(consumerJSON.contains(#""deliver_policy":"by_start_sequence""#) && consumerJSON.contains(#""opt_start_seq":42"#))
        #expect(consumerJSON.contains(#""ack_wait":250000000"#) && consumerJSON.contains(#""ack_policy":"explicit""#))
        #expect(try JSONDecoder().decode(ConsumerConfiguration.self, from: Data(consumerJSON.utf8)) == consumer)

        let pull = PullRequest(batch: 5, expires: .seconds(1), noWait: false, heartbeat: .milliseconds(250))
        #expect(String(buffer: pull.json) == #"{"batch":5,"expires":1000000000,"idle_heartbeat":250000000}"#)
        #expect(String(buffer: try JetStream.encode(pull)) == String(buffer: pull.json))
        #expect(String(buffer: PullRequest(batch: 1, noWait: true).json) == #"{"batch":1,"no_wait":true}"#)
    }

    @Test("ack verbs are the payloads JetStream reads")
    func ackPayloads() {
        #expect(String(buffer: JetStreamAck.ack.payload) == "+ACK")
        #expect(String(buffer: JetStreamAck.nak(delay: nil).payload) == "-NAK")
        #expect(String(buffer: JetStreamAck.nak(delay: .milliseconds(400)).payload) == #"-NAK {"delay": 400000000}"#)
        #expect(String(buffer: JetStreamAck.inProgress.payload) == "+WPI")
        #expect(String(buffer: JetStreamAck.term.payload) == "+TERM")
    }
}
