import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A webhook endpoint in the test process: it agrees to the validation handshake, records every POST by
/// event id, answers as `answer` says, and holds requests while closed (to play a stuck endpoint).
actor WebhookReceiver {
    /// What the receiver has seen so far.
    struct Record: Sendable {
        var attempts: [String: Int] = [:]
        var total = 0
        var inFlight = 0
        var maximumInFlight = 0
        /// The type of each event POSTed with a `ce-requestid` header, by that request id.
        var completions: [String: String] = [:]
    }

    /// The answer to one POST: status and headers, by event id, type and attempt (from 1).
    typealias Answer = @Sendable (_ id: String, _ type: String, _ attempt: Int) -> (status: Int, headers: [(String, String)])

    private let answer: Answer
    private var isOpen: Bool
    private var gate: [CheckedContinuation<Void, Never>] = []
    private var waiters: [UInt64: (condition: @Sendable (Record) -> Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var lastWaiter: UInt64 = 0
    private(set) var record = Record()

    init(open: Bool = true, answer: @escaping Answer = { _, _, _ in (204, []) }) {
        self.isOpen = open
        self.answer = answer
    }

    /// Lets every held request and every later one through.
    func open() {
        isOpen = true
        for continuation in gate { continuation.resume() }
        gate.removeAll()
    }

    /// Returns once `condition` holds of the record, or when the task is cancelled (the caller bounds the
    /// wait with ``within(_:_:_:)``).
    func wait(until condition: @escaping @Sendable (Record) -> Bool) async {
        if condition(record) { return }
        lastWaiter += 1
        let id = lastWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { return continuation.resume() }
                waiters[id] = (condition, continuation)
            }
        } onCancel: {
            Task { await self.cancelWait(id) }
        }
    }

    private func cancelWait(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }

    fileprivate func received(id: String, type: String, requestID: String?) async -> (status: Int, headers: [(String, String)]) {
        record.total += 1
        if let requestID { record.completions[requestID] = type }
        record.attempts[id, default: 0] += 1
        let attempt = record.attempts[id] ?? 1
        record.inFlight += 1
        record.maximumInFlight = max(record.maximumInFlight, record.inFlight)
        changed()
        if !isOpen { await withCheckedContinuation { gate.append($0) } }
        record.inFlight -= 1
        changed()
        return answer(id, type, attempt)
    }

    private func changed() {
        let snapshot = record
        for (id, waiter) in waiters where waiter.condition(snapshot) {
            waiters.removeValue(forKey: id)
            waiter.continuation.resume()
        }
    }

    /// Serves the receiver on a free loopback port at `/hook` while `body` runs.
    func serve<T: Sendable>(_ body: @Sendable (_ url: String) async throws -> T) async throws -> T {
        let router = Router()
        router.on("hook", method: .options) { _, _ in
            var response = Response(status: .ok)
            response.headers[HTTPField.Name("WebHook-Allowed-Origin") ?? .allow] = "*"
            return response
        }
        router.post("hook") { [self] request, _ in
            let id = request.headers[HTTPField.Name("ce-id") ?? .allow] ?? ""
            let type = request.headers[HTTPField.Name("ce-type") ?? .allow] ?? ""
            let requestID = HTTPField.Name("ce-requestid").flatMap { request.headers[$0] }
            _ = try await request.body.collect(upTo: 1 << 20)
            let (status, headers) = await self.received(id: id, type: type, requestID: requestID)
            var response = Response(status: HTTPResponse.Status(code: status))
            for (name, value) in headers {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        }
        let port = ListeningPort()
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.set($0.localAddress?.port ?? 0) },
            logger: Logger(label: "webhook.receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try? await application.run()
                return nil
            }
            guard let listening = await port.wait() else {
                group.cancelAll()
                throw ServerTestError.notListening
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body("http://127.0.0.1:\(listening)/hook"))
            } catch {
                result = .failure(error)
            }
            open()
            group.cancelAll()
            while try await group.next() != nil {}
            return try result.get()
        }
    }
}

/// Runs `body`, failing with `what` if it takes longer than `limit`.
func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw WaitTimedOut(what: what, limit: limit) }
        return first
    }
}

/// A bounded wait of a test ran out.
struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    let limit: Duration
    var description: String { "waited \(limit) for \(what)" }
}
