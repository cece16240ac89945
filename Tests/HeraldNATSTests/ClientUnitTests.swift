import HeraldTesting
import NIOCore
import Testing

@testable import HeraldNATS

@Suite("NATS client pieces without a server")
struct ClientUnitTests {
    @Test("server URLs: schemes, credentials, default port, IPv6")
    func serverAddresses() throws {
        let plain = try NATSServerAddress.parse("nats://127.0.0.1:4333")
        #expect(plain.host == "127.0.0.1" && plain.port == 4333 && !plain.requiresTLS && plain.user == nil)
        let tls = try NATSServerAddress.parse("tls://alice:s%2Fcret@nats.example.com")
        #expect(tls.requiresTLS && tls.port == 4222 && tls.user == "alice" && tls.password == "s/cret")
        #expect(tls.token == nil)
        let token = try NATSServerAddress.parse("nats://t0ken@localhost:4222")
        #expect(token.token == "t0ken")
        let bare = try NATSServerAddress.parse("10.0.0.1:5222")
        #expect(bare.host == "10.0.0.1" && bare.port == 5222)
        let v6 = try NATSServerAddress.parse("nats://[::1]:4222")
        #expect(v6.host == "::1")
        #expect(v6.description == "[::1]:4222")
        for bad in ["http://host:4222", "nats://:4222", "nats://host:99999", "nats://host:4222/path"] {
            #expect(throws: NATSClientError.self, "\(bad)") { try NATSServerAddress.parse(bad) }
        }
        do {
            _ = try NATSServerAddress.parse("ws://host")
        } catch {
            #expect(error.code == .invalidServerURL)
            #expect(error.message.contains("ws://host"))
        }
    }

    @Test("the server pool rotates, adds advertised servers once, and is bounded")
    func serverPool() throws {
        var pool = ServerPool([try .parse("nats://a:1"), try .parse("nats://b:2")])
        #expect(pool.next()?.host == "a")
        #expect(pool.next()?.host == "b")
        #expect(pool.next()?.host == "a")
        pool.addAdvertised(["b:2", "c:3", "c:3", "not a url::"])
        #expect(pool.servers.map(\.host) == ["a", "b", "c"])
        pool.addAdvertised((0..<200).map { "10.0.0.\($0 % 250):\(1000 + $0)" })
        #expect(pool.servers.count == ServerPool.capacity)
    }

    @Test("backoff delays stay between zero and the doubling cap")
    func backoff() {
        var generator = SeededRandomGenerator(seed: 7)
        for attempt in 0..<40 {
            let cap = min(Duration.seconds(2), .milliseconds(100) * (1 << min(attempt, 30)))
            for _ in 0..<50 {
                let delay = Backoff.delay(attempt: attempt, base: .milliseconds(100), maximum: .seconds(2), using: &generator)
                #expect(delay >= .zero && delay <= cap, "attempt \(attempt): \(delay) > \(cap)")
            }
        }
    }

    @Test("a full subscription buffer drops the newest messages and counts them")
    func slowConsumerPolicy() async throws {
        let buffer = SubscriptionBuffer(limits: .init(maximumMessages: 3, maximumBytes: 1000))
        var outcomes: [SubscriptionBuffer.PushOutcome] = []
        for index in 0..<6 {
            outcomes.append(buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(string: "\(index)"))))
        }
        #expect(
            outcomes == [.accepted, .accepted, .accepted, .dropped(firstOfEpisode: true), .dropped(firstOfEpisode: false), .dropped(firstOfEpisode: false)])
        #expect(buffer.droppedMessages == 3)
        #expect(try await buffer.next()?.string == "0")
        #expect(buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(string: "6"))) == .accepted)
        #expect(buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(string: "7"))) == .dropped(firstOfEpisode: true))
        buffer.finish()
        #expect(buffer.push(NATSMessage(subject: "s")) == .finished)
        var rest: [String] = []
        while let message = try await buffer.next() { rest.append(message.string) }
        #expect(rest == ["1", "2", "6"])
        #expect(buffer.isConsumed)
    }

    @Test("the byte bound also drops, but one oversized message alone is kept")
    func byteBound() {
        let buffer = SubscriptionBuffer(limits: .init(maximumMessages: 100, maximumBytes: 10))
        #expect(buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(repeating: 1, count: 50))) == .accepted)
        #expect(buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(repeating: 1, count: 1))) == .dropped(firstOfEpisode: true))
    }

    @Test("finishing with an error throws it once after the buffered messages")
    func finishWithError() async throws {
        let buffer = SubscriptionBuffer(limits: .init())
        _ = buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(string: "a")))
        buffer.finish(throwing: NATSClientError.closed)
        #expect(try await buffer.next()?.string == "a")
        await #expect(throws: NATSClientError.self) { try await buffer.next() }
        #expect(try await buffer.next() == nil)
    }

    @Test("a waiting iterator gets a pushed message, and cancellation ends its wait")
    func waitingIterator() async throws {
        let buffer = SubscriptionBuffer(limits: .init())
        async let received = buffer.next()
        // The push may come before or after the iterator waits; either way it gets the message.
        _ = buffer.push(NATSMessage(subject: "s", payload: ByteBuffer(string: "x")))
        #expect(try await received?.string == "x")
        let waiting = Task { try await buffer.next() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    @Test("connecting to a port nobody listens on fails with connectionFailed naming the server")
    func connectionRefused() async throws {
        let port = try await NATSTestServer.freePort()
        var options = NATSClientOptions(servers: ["nats://127.0.0.1:\(port)"])
        options.connectTimeout = .seconds(1)
        do {
            let client = try await NATSClient.connect(options)
            await client.close()
            Issue.record("connected to a closed port")
        } catch let error as NATSClientError {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("127.0.0.1:\(port)"))
            #expect(error.isRetryable)
        }
    }

    @Test("options out of range are refused before connecting")
    func invalidOptions() async {
        var options = NATSClientOptions(servers: [])
        await #expect(throws: NATSClientError.self) { _ = try await NATSClient.connect(options) }
        options = NATSClientOptions()
        options.pendingBufferLimit = 0
        await #expect(throws: NATSClientError.self) { _ = try await NATSClient.connect(options) }
        options = NATSClientOptions(servers: ["gopher://x"])
        await #expect(throws: NATSClientError.self) { _ = try await NATSClient.connect(options) }
    }
}
