import AsyncHTTPClient
import Foundation
import Herald
import HeraldLog
import Histogram
import NIOCore
import NIOHTTP1
import Synchronization

/// `herald bench --http`: publishing over HTTP to a real `herald serve` (a child process of this one, on a
/// loopback port and a temporary embedded log) from 32 concurrent publishers, one event per request and
/// batches of 100, with each request's latency; the server's resident memory before and after; and, as
/// the reference in the same run, the same events published in this process to an embedded log of the same
/// settings by 32 concurrent tasks.
struct HTTPScenario {
    /// Events per scenario (the batch scenario publishes ten times as many).
    let events: Int
    let size: Int
    let partitions: Int
    let directory: String
    static let publishers = 32
    static let batch = 100

    /// One scenario's figures.
    struct Result {
        var name: String
        var events: Int
        var seconds: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// The figures: over HTTP and in process, per scenario, and the server's memory.
    struct Report {
        var http: [Result]
        var inProcess: [Result]
        var serverResidentBefore: Int
        var serverResidentAfter: Int
    }

    func run() async throws -> Report {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        server.arguments = ["serve", "--data-dir", directory + "/http", "--port", "0", "--allow-anonymous"]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        guard let base = Self.firstLine(of: output).flatMap({ $0.components(separatedBy: "listening on ").last }), base.hasPrefix("http://") else {
            throw BenchError.serverDidNotStart
        }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.publishers)))
        defer { _ = client.shutdown() }
        var create = HTTPClientRequest(url: base + "/topics")
        create.method = .POST
        create.body = .bytes(ByteBuffer(string: #"{"name":"bench-http","partitions":\#(partitions)}"#))
        _ = try await client.execute(create, timeout: .seconds(30)).body.collect(upTo: 1 << 20)
        let before = Self.residentBytes(of: server.processIdentifier)
        let data = String(repeating: "x", count: size)
        let single = try await Self.measure("HTTP: one event per request, 32 publishers", events: events, perRequest: 1) { publisher, sequence, _ in
            var request = HTTPClientRequest(url: base + "/topics/bench-http/events")
            request.method = .POST
            for (name, value) in [
                ("ce-specversion", "1.0"), ("ce-id", "s-\(publisher)-\(sequence)"), ("ce-source", "/bench"), ("ce-type", "bench.event.v1"),
                ("Content-Type", "text/plain"),
            ] {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(string: data))
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchError.httpStatus(Int(response.status.code)) }
        }
        let batched = try await Self.measure("HTTP: batches of 100, 32 publishers", events: events * 10, perRequest: Self.batch) { publisher, sequence, count in
            let items = (0..<count).map {
                #"{"specversion":"1.0","id":"b-\#(publisher)-\#(sequence)-\#($0)","source":"/bench","type":"bench.event.v1","data":"\#(data)"}"#
            }
            var request = HTTPClientRequest(url: base + "/topics/bench-http/events")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/cloudevents-batch+json")
            request.body = .bytes(ByteBuffer(string: "[\(items.joined(separator: ","))]"))
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchError.httpStatus(Int(response.status.code)) }
        }
        let after = Self.residentBytes(of: server.processIdentifier)

        // The reference: the same events, published in this process to an embedded log of the same settings.
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory + "/in-process"))
        try await broker.createTopic(TopicConfiguration(name: "bench-http", partitions: partitions))
        let payload = ByteBuffer(string: data)
        let localSingle = try await Self.measure("in process: one event per call, 32 publishers", events: events, perRequest: 1) { publisher, sequence, _ in
            _ = try await broker.publish(try Event(id: "s-\(publisher)-\(sequence)", source: "/bench", type: "bench.event.v1", data: payload), to: "bench-http")
        }
        let localBatched = try await Self.measure("in process: batches of 100, 32 publishers", events: events * 10, perRequest: Self.batch) {
            publisher, sequence, count in
            let batch = try (0..<count).map { try Event(id: "b-\(publisher)-\(sequence)-\($0)", source: "/bench", type: "bench.event.v1", data: payload) }
            _ = try await broker.publish(batch, to: "bench-http")
        }
        try await broker.close()
        return Report(http: [single, batched], inProcess: [localSingle, localBatched], serverResidentBefore: before, serverResidentAfter: after)
    }

    /// Runs `events` events in requests of `perRequest` from 32 concurrent publishers (each a bounded
    /// loop), timing each request.
    private static func measure(
        _ name: String, events: Int, perRequest: Int, _ send: @escaping @Sendable (_ publisher: Int, _ sequence: Int, _ count: Int) async throws -> Void
    ) async throws -> Result {
        let requests = max(publishers, events / perRequest)
        let start = ContinuousClock.now
        let histogram = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    for sequence in stride(from: publisher, to: requests, by: publishers) {
                        let began = ContinuousClock.now
                        try await send(publisher, sequence, perRequest)
                        let elapsed = ContinuousClock.now - began
                        histogram.record(UInt64(max(0, elapsed / .microseconds(1))))
                    }
                    return histogram
                }
            }
            var total = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for try await part in group { total.add(part) }
            return total
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(
            name: name, events: requests * perRequest, seconds: seconds, p50Milliseconds: Double(histogram.valueAtPercentile(50)) / 1_000,
            p99Milliseconds: Double(histogram.valueAtPercentile(99)) / 1_000)
    }

    private static func firstLine(of pipe: Pipe) -> String? {
        var buffer = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer += chunk
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) { return String(decoding: buffer[..<newline], as: UTF8.self) }
        }
    }

    /// A process's resident set size in bytes, from `/proc/<pid>/statm` (0 where there is none).
    static func residentBytes(of pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Why the HTTP bench stopped.
enum BenchError: Error, CustomStringConvertible {
    case serverDidNotStart
    case httpStatus(Int)

    var description: String {
        switch self {
        case .serverDidNotStart: "herald serve did not print the address it listens on"
        case .httpStatus(let status): "a publish over HTTP was answered \(status)"
        }
    }
}
