import Foundation
import NIOCore
import Synchronization
import Testing

@testable import HeraldNATS

/// Tests that kill and restart a server of their own.
@Suite(
    "NATS client reconnecting",
    .enabled(if: TestEnvironment.runsOwnServerTests, "nats-server is not installed (set HERALD_NATS_SERVER or PATH)"),
    .timeLimit(.minutes(1))
)
struct ReconnectTests {
    private static func isDisconnected(_ event: NATSClientEvent) -> Bool {
        if case .disconnected = event { return true }
        return false
    }

    private static func isReconnected(_ event: NATSClientEvent) -> Bool {
        if case .reconnected = event { return true }
        return false
    }

    @Test("after the server is killed and restarted, subscriptions keep receiving and buffered publishes arrive")
    func reconnectsAndResubscribes() async throws {
        try await withNATSServer { server in
            try await withClient(server.url, configure: { $0.reconnect.maximumAttempts = nil }) { client in
                let events = client.events
                let subject = uniqueSubject("survivor")
                let subscription = try client.subscribe(subject)
                try await client.publish(subject, payload: ByteBuffer(string: "before"))
                #expect(try await subscription.take(1).map(\.string) == ["before"])

                await server.kill()
                _ = try await events.first("the disconnect", where: Self.isDisconnected)
                #expect(client.connectionState == .reconnecting)
                for index in 0..<3 {
                    try await client.publish(subject, payload: ByteBuffer(string: "while down \(index)"))
                }
                // A flush while disconnected waits for the reconnect and confirms the buffered publishes.
                async let flushed: Void = client.flush(timeout: .seconds(20))

                try await server.launch()
                let event = try await events.first("the reconnect", where: Self.isReconnected)
                #expect(event == .reconnected(server: "127.0.0.1:\(server.port)"))
                #expect(client.connectionState == .connected)
                try await flushed
                #expect(subscription.bufferedMessages == 3)
                try await client.publish(subject, payload: ByteBuffer(string: "after"))
                let messages = try await subscription.take(4)
                #expect(messages.map(\.string) == ["while down 0", "while down 1", "while down 2", "after"])

                // Requests work again (the inbox subscription was re-sent too).
                let service = try client.subscribe("\(subject).service")
                let responder = Task {
                    for try await request in service {
                        if let replyTo = request.replyTo { try await client.publish(replyTo, payload: request.payload) }
                    }
                }
                defer { responder.cancel() }
                #expect(try await client.request("\(subject).service", payload: ByteBuffer(string: "ping")).string == "ping")
            }
        }
    }

    @Test("unanswered keep-alive pings replace a frozen connection")
    func staleConnection() async throws {
        try await withNATSServer { server in
            try await withClient(
                server.url,
                configure: {
                    $0.pingInterval = .milliseconds(100)
                    $0.maximumOutstandingPings = 2
                    // Long enough for the first handshake on a loaded machine (it missed 0.5 s in one CI run and
                    // 2 s in another, while the whole suite started at once); a reconnect attempt to the
                    // frozen server waits this long before the next, and completes once it resumes.
                    $0.connectTimeout = .seconds(5)
                    $0.reconnect.maximumAttempts = nil
                }
            ) { client in
                let events = client.events
                let subject = uniqueSubject("frozen")
                let subscription = try client.subscribe(subject)
                await server.pause()
                let event = try await events.first("the stale connection to be dropped", where: Self.isDisconnected)
                guard case .disconnected(_, let reason) = event else { return }
                #expect(reason == nil || reason?.isEmpty == false)
                await server.resume()
                _ = try await events.first("the reconnect", where: Self.isReconnected)
                try await client.publish(subject, payload: ByteBuffer(string: "thawed"))
                #expect(try await subscription.take(1).map(\.string) == ["thawed"])
            }
        }
    }

    @Test("while connected, a publish waits for room when the socket backs up, and nothing is lost")
    func backpressureWhileConnected() async throws {
        try await withNATSServer { server in
            try await withClient(server.url, configure: { $0.pendingBufferLimit = 256 * 1024 }) { client in
                let subject = uniqueSubject("backpressure")
                let subscription = try client.subscribe(subject)
                try await client.flush()
                await server.pause()
                let count = 300
                let publisher = Task {
                    for index in 0..<count {
                        var payload = ByteBuffer(repeating: UInt8(ascii: "p"), count: 64 * 1024)
                        payload.setString("\(index)".padding(toLength: 8, withPad: " ", startingAt: 0), at: 0)
                        try await client.publish(subject, payload: payload)
                    }
                }
                // The kernel's and NIO's buffers fill up, then publishers queue for room (bounded wait).
                let deadline = ContinuousClock.now + .seconds(20)
                var sawWaiter = false
                var largestQueue = 0
                while !sawWaiter, ContinuousClock.now < deadline {
                    (sawWaiter, largestQueue) = client.state.withLock { state in
                        (!state.spaceWaiters.isEmpty, max(largestQueue, state.outbound.readableBytes))
                    }
                    if !sawWaiter { try await Task.sleep(for: .milliseconds(5)) }
                }
                #expect(sawWaiter, "no publisher ever waited for room")
                #expect(largestQueue <= 256 * 1024)
                await server.resume()
                try await publisher.value
                let messages = try await subscription.take(count, timeout: .seconds(30))
                let indices = messages.map { Int(String(buffer: $0.payload.getSlice(at: 0, length: 8) ?? ByteBuffer()).trimmingCharacters(in: .whitespaces)) }
                #expect(indices == (0..<count).map { Optional($0) })
            }
        }
    }

    @Test("a request in flight when the connection drops fails with connectionLost")
    func requestInFlightFails() async throws {
        try await withNATSServer { server in
            try await withClient(server.url, configure: { $0.reconnect.maximumAttempts = nil }) { client in
                let subject = uniqueSubject("inflight")
                let silent = try client.subscribe(subject)
                async let reply = client.request(subject, timeout: .seconds(30))
                // The request reached the server once the silent subscriber has it.
                #expect(try await silent.take(1).count == 1)
                await server.kill()
                do {
                    _ = try await reply
                    Issue.record("the request succeeded without a reply")
                } catch let error as NATSClientError {
                    #expect(error.code == .connectionLost)
                    #expect(error.isRetryable)
                }
            }
        }
    }

    @Test("while disconnected, a publish beyond the pending buffer fails with bufferFull")
    func bufferFull() async throws {
        try await withNATSServer { server in
            try await withClient(
                server.url,
                configure: {
                    $0.pendingBufferLimit = 1024
                    $0.reconnect.maximumAttempts = nil
                }
            ) { client in
                let events = client.events
                await server.kill()
                _ = try await events.first("the disconnect", where: Self.isDisconnected)
                let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 500)
                var accepted = 0
                var failure: NATSClientError?
                while failure == nil, accepted < 10 {
                    do {
                        try await client.publish("buffered", payload: payload)
                        accepted += 1
                    } catch let error as NATSClientError {
                        failure = error
                    }
                }
                // "PUB buffered 500\r\n" + 500 + "\r\n" is 520 bytes: one fits in 1024, two do not.
                #expect(accepted == 1)
                #expect(failure?.code == .bufferFull)
                #expect(failure?.message.contains("1024") == true)
            }
        }
    }

    @Test("when reconnecting gives up, the client closes and subscriptions throw reconnectFailed")
    func reconnectGivesUp() async throws {
        try await withNATSServer { server in
            try await withClient(server.url, configure: { $0.reconnect.maximumAttempts = 3 }) { client in
                let events = client.events
                let subscription = try client.subscribe(uniqueSubject("doomed"))
                await server.kill()
                _ = try await events.first("the close") { $0 == .closed }
                #expect(client.connectionState == .closed)
                do {
                    _ = try await subscription.take(1)
                    Issue.record("the subscription ended without an error")
                } catch let error as NATSClientError {
                    #expect(error.code == .reconnectFailed)
                }
                do {
                    try await client.publish("x")
                    Issue.record("a publish on a closed client succeeded")
                } catch let error as NATSClientError {
                    #expect(error.code == .reconnectFailed)
                }
            }
        }
    }
}

/// Tests of credentials against servers of their own.
@Suite(
    "NATS client credentials",
    .enabled(if: TestEnvironment.runsOwnServerTests, "nats-server is not installed (set HERALD_NATS_SERVER or PATH)"),
    .timeLimit(.minutes(1))
)
struct AuthenticationTests {
    private func expectRefused(_ url: String, configure: (inout NATSClientOptions) -> Void = { _ in }) async throws {
        do {
            let client = try await connectClient(url, configure: configure)
            await client.close()
            Issue.record("connected to \(url) with wrong credentials")
        } catch let error as NATSClientError {
            #expect(error.code == .authorizationFailed, "\(error)")
            #expect(!error.isRetryable)
        }
    }

    @Test("a token in the URL or the options is accepted; a wrong or missing one is refused")
    func token() async throws {
        try await withNATSServer(arguments: ["--auth", "s3cret"]) { server in
            try await withClient("nats://s3cret@127.0.0.1:\(server.port)") { client in
                try await client.flush()
            }
            try await withClient(server.url, configure: { $0.token = "s3cret" }) { client in
                try await client.flush()
            }
            try await expectRefused("nats://wrong@127.0.0.1:\(server.port)")
            try await expectRefused(server.url)
        }
    }

    @Test("a user and password are accepted; a wrong password is refused")
    func userPassword() async throws {
        try await withNATSServer(arguments: ["--user", "alice", "--pass", "wonder land"]) { server in
            try await withClient("nats://alice:wonder%20land@127.0.0.1:\(server.port)") { client in
                let subject = uniqueSubject("auth")
                let subscription = try client.subscribe(subject)
                try await client.publish(subject, payload: ByteBuffer(string: "hi"))
                #expect(try await subscription.take(1).map(\.string) == ["hi"])
            }
            try await withClient(
                server.url,
                configure: {
                    $0.user = "alice"
                    $0.password = "wonder land"
                }
            ) { client in
                try await client.flush()
            }
            try await expectRefused("nats://alice:wrong@127.0.0.1:\(server.port)")
            try await expectRefused(server.url)
        }
    }
}
