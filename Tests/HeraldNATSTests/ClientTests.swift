import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import HeraldNATS

/// Client tests against the shared server of `HERALD_NATS_URL`.
@Suite(
    "NATS client against a server",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server"),
    .timeLimit(.minutes(1))
)
struct ClientTests {
    @Test("published messages arrive in order on a subscription")
    func publishSubscribe() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            #expect(client.connectionState == .connected)
            #expect(client.serverInfo?.headers == true)
            let subject = uniqueSubject("pubsub")
            let subscription = try client.subscribe(subject)
            for index in 0..<5 {
                try await client.publish(subject, payload: ByteBuffer(string: "message \(index)"))
            }
            let messages = try await subscription.take(5)
            #expect(messages.map(\.string) == (0..<5).map { "message \($0)" })
            #expect(messages.allSatisfy { $0.subject == subject && $0.headers == nil && $0.replyTo == nil })
        }
    }

    @Test("wildcard subscriptions receive matching subjects")
    func wildcards() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let base = uniqueSubject("wild")
            let star = try client.subscribe("\(base).*")
            let tail = try client.subscribe("\(base).>")
            try await client.publish("\(base).a", payload: ByteBuffer(string: "1"))
            try await client.publish("\(base).a.b", payload: ByteBuffer(string: "2"))
            #expect(try await star.take(1).map(\.subject) == ["\(base).a"])
            #expect(try await tail.take(2).map(\.subject) == ["\(base).a", "\(base).a.b"])
        }
    }

    @Test("headers, repeated names included, arrive as sent")
    func headersRoundTrip() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("headers")
            let subscription = try client.subscribe(subject)
            let headers: NATSHeaders = ["Nats-Msg-Id": "abc-1", "X-Tag": "one", "X-Tag": "two", "Empty": ""]
            try await client.publish(subject, payload: ByteBuffer(string: "with headers"), headers: headers, replyTo: "reply.here")
            try await client.publish(subject, headers: ["Only": "headers"])
            let messages = try await subscription.take(2)
            #expect(messages[0].headers == headers)
            #expect(messages[0].string == "with headers")
            #expect(messages[0].replyTo == "reply.here")
            #expect(messages[0].status == nil)
            #expect(messages[1].headers?["Only"] == "headers")
            #expect(messages[1].payload.readableBytes == 0)
        }
    }

    @Test("a queue group splits messages between its members; a plain subscription gets all")
    func queueGroups() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("queue")
            let members = [try client.subscribe(subject, queueGroup: "workers"), try client.subscribe(subject, queueGroup: "workers")]
            let everyone = try client.subscribe(subject)
            let total = 200
            for index in 0..<total {
                try await client.publish(subject, payload: ByteBuffer(string: "\(index)"))
            }
            try await client.flush()
            // After the flush's PONG every message delivered to this connection has been read.
            try await client.flush()
            let counts = members.map(\.bufferedMessages)
            #expect(counts.reduce(0, +) == total)
            #expect(counts.allSatisfy { $0 > 0 }, "one member got nothing: \(counts)")
            #expect(everyone.bufferedMessages == total)
            let received = try await members[0].take(counts[0]) + members[1].take(counts[1])
            #expect(Set(received.map(\.string)) == Set((0..<total).map { "\($0)" }))
        }
    }

    @Test("requests get their own replies through one inbox, concurrently")
    func requestReply() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("service")
            let service = try client.subscribe(subject)
            let responder = Task {
                for try await request in service {
                    guard let replyTo = request.replyTo else { continue }
                    var headers = NATSHeaders()
                    headers["Echo"] = request.headers?["Echo"] ?? "none"
                    try await client.publish(replyTo, payload: ByteBuffer(string: "re: \(request.string)"), headers: headers)
                }
            }
            defer { responder.cancel() }
            try await withThrowingTaskGroup(of: (Int, NATSMessage).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let reply = try await client.request(
                            subject,
                            payload: ByteBuffer(string: "\(index)"),
                            headers: ["Echo": "\(index)"],
                            timeout: .seconds(5)
                        )
                        return (index, reply)
                    }
                }
                for try await (index, reply) in group {
                    #expect(reply.string == "re: \(index)")
                    #expect(reply.headers?["Echo"] == "\(index)")
                }
            }
            let inboxes = client.state.withLock { state in state.subscriptions.values.filter { $0.buffer == nil }.count }
            #expect(inboxes == 1)
        }
    }

    @Test("a request nobody listens to fails with noResponders")
    func noResponders() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("nobody")
            do {
                _ = try await client.request(subject, timeout: .seconds(5))
                Issue.record("a request without responders succeeded")
            } catch let error as NATSClientError {
                #expect(error.code == .noResponders)
                #expect(error.message.contains(subject))
            }
        }
    }

    @Test("a request whose responder stays silent fails with requestTimeout")
    func requestTimeout() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("silent")
            let silent = try client.subscribe(subject)
            let started = ContinuousClock.now
            do {
                _ = try await client.request(subject, timeout: .milliseconds(300))
                Issue.record("a request to a silent responder succeeded")
            } catch let error as NATSClientError {
                #expect(error.code == .requestTimeout)
                #expect(error.isRetryable)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(try await silent.take(1).count == 1)
            #expect(client.state.withLock { $0.requests.isEmpty })
        }
    }

    @Test("replies sent as several messages arrive on a subscribed inbox")
    func multiReplyInbox() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("batch")
            let service = try client.subscribe(subject)
            let responder = Task {
                for try await request in service {
                    guard let replyTo = request.replyTo else { continue }
                    for index in 0..<3 {
                        try await client.publish(replyTo, payload: ByteBuffer(string: "part \(index)"))
                    }
                    try await client.publish(replyTo, headers: NATSHeaders([], status: 404, statusDescription: "No Messages"))
                }
            }
            defer { responder.cancel() }
            let inbox = client.newInbox()
            #expect(inbox.hasPrefix("_INBOX."))
            let replies = try client.subscribe(inbox)
            try await client.publish(subject, payload: ByteBuffer(string: "next 3"), replyTo: inbox)
            let messages = try await replies.take(4)
            #expect(messages.prefix(3).map(\.string) == ["part 0", "part 1", "part 2"])
            #expect(messages[3].status == NATSStatusCode.noMessages)
            #expect(messages[3].statusDescription == "No Messages")
        }
    }

    @Test("flush round-trips; operations on a closed client fail with closed")
    func flushAndClose() async throws {
        let client = try await connectClient(try TestEnvironment.requireNATSURL())
        try await client.flush(timeout: .seconds(5))
        let subscription = try client.subscribe(uniqueSubject("closing"))
        await client.close()
        #expect(client.connectionState == .closed)
        #expect(try await subscription.take(1).isEmpty, "the subscription did not end on close")
        await #expect(throws: NATSClientError.self) { try await client.flush() }
        await #expect(throws: NATSClientError.self) { try await client.publish("a") }
        #expect(throws: NATSClientError.self) { _ = try client.subscribe("a") }
        await client.close()
    }

    @Test("unsubscribe(afterMessages:) ends the subscription after that many")
    func autoUnsubscribe() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("auto")
            let subscription = try client.subscribe(subject)
            try subscription.unsubscribe(afterMessages: 2)
            for index in 0..<5 {
                try await client.publish(subject, payload: ByteBuffer(string: "\(index)"))
            }
            let messages = try await subscription.take(5)
            #expect(messages.map(\.string) == ["0", "1"])
            #expect(throws: NATSClientError.self) { try subscription.unsubscribe(afterMessages: 0) }
        }
    }

    @Test("drain delivers what the server sent, ends subscriptions, and closes")
    func drain() async throws {
        let client = try await connectClient(try TestEnvironment.requireNATSURL())
        let subject = uniqueSubject("drain")
        let subscription = try client.subscribe(subject)
        for index in 0..<10 {
            try await client.publish(subject, payload: ByteBuffer(string: "\(index)"))
        }
        let consumer = Task {
            var received: [String] = []
            for try await message in subscription { received.append(message.string) }
            return received
        }
        try await client.drain(timeout: .seconds(10))
        #expect(try await consumer.value == (0..<10).map { "\($0)" })
        #expect(client.connectionState == .closed)
        await #expect(throws: NATSClientError.self) { try await client.publish(subject) }
    }

    @Test("a slow consumer loses the newest messages, counted and reported")
    func slowConsumer() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            let subject = uniqueSubject("slow")
            let subscription = try client.subscribe(subject, limits: .init(maximumMessages: 5))
            for index in 0..<20 {
                try await client.publish(subject, payload: ByteBuffer(string: "\(index)"))
            }
            try await client.flush()
            #expect(subscription.droppedMessages == 15)
            #expect(try await subscription.take(5).map(\.string) == (0..<5).map { "\($0)" })
            let event = try await client.events.first(within: .seconds(5), "a slow consumer event") {
                if case .slowConsumer = $0 { return true }
                return false
            }
            #expect(event == .slowConsumer(subject: subject, sid: subscription.sid))
        }
    }

    @Test("invalid subjects and oversized payloads are refused before sending")
    func refusedBeforeSending() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            await #expect(throws: NATSProtocolError.self) { try await client.publish("has space") }
            #expect(throws: NATSProtocolError.self) { _ = try client.subscribe("") }
            let limit = try #require(client.serverInfo?.maxPayload)
            do {
                try await client.publish("big", payload: ByteBuffer(repeating: 0, count: limit + 1))
                Issue.record("an oversized publish was accepted")
            } catch let error as NATSClientError {
                #expect(error.code == .payloadTooLarge)
            }
            // The connection is still usable.
            try await client.flush()
        }
    }

    @Test("as a Service, the client drains on graceful shutdown")
    func service() async throws {
        let client = try await connectClient(try TestEnvironment.requireNATSURL())
        let subject = uniqueSubject("service")
        let subscription = try client.subscribe(subject)
        try await client.publish(subject, payload: ByteBuffer(string: "last"))
        try await client.flush()
        let group = ServiceGroup(services: [client], logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            #expect(try await subscription.take(2).map(\.string) == ["last"])
            try await tasks.waitForAll()
        }
        #expect(client.connectionState == .closed)
    }

    @Test("a dropped subscription value unsubscribes")
    func droppedSubscriptionUnsubscribes() async throws {
        try await withClient(try TestEnvironment.requireNATSURL()) { client in
            do {
                _ = try client.subscribe(uniqueSubject("forgotten"))
            }
            let remaining = client.state.withLock { $0.subscriptions.count }
            #expect(remaining == 0)
        }
    }
}
