import Foundation
import NIOCore
import Testing

@testable import HeraldNATS

/// Issue 10, defect 1: the 513-bracket repro crashed the NATS client wherever it decoded server JSON.
@Suite("Foreign JSON from NATS: the 513-bracket repro")
struct ForeignJSONTests {
    /// `json-513-brackets.json`, read from `../shared/repro/` next to the repository root.
    private static func repro() throws -> String {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // HeraldNATSTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let path = repositoryRoot.appendingPathComponent("../shared/repro/json-513-brackets.json").standardized.path
        let data = try #require(
            FileManager.default.contents(atPath: path),
            "issue 10's repro is missing at \(path); restore /work/shared/repro/json-513-brackets.json"
        )
        return String(decoding: data, as: UTF8.self)
    }

    /// The fastest of five runs of `body`, without the scheduling noise of a shared machine.
    private static func fastest(_ body: () -> Void) -> Duration {
        var best = Duration.seconds(3600)
        for _ in 0..<5 {
            let start = ContinuousClock.now
            body()
            best = min(best, ContinuousClock.now - start)
        }
        return best
    }

    private static let bound = Duration.milliseconds(10)

    /// A description that nests 513 deep as the repro does, and ends there: a description must begin with
    /// `{` to be read, and Foundation crashes only when the 513th level opens at the end of the document.
    private static func reproDescription() throws -> String {
        #"{"a":"# + (try repro()).dropLast()
    }

    @Test("an INFO line whose JSON is the repro is an invalidInfo protocol error, in under 10 ms")
    func infoLine() throws {
        let line = ByteBuffer(string: "INFO " + (try Self.repro()) + "\r\n")
        func parse() -> NATSProtocolError? {
            var parser = NATSProtocolParser()
            parser.append(line)
            do {
                _ = try parser.next()
                return nil
            } catch {
                return error
            }
        }
        let error = parse()
        #expect(error?.code == .invalidInfo)
        #expect(error?.message.contains("deeper than 128 levels") == true)
        let elapsed = Self.fastest { _ = parse() }
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("a JetStream reply that is the repro is an invalidReply error, in under 10 ms")
    func apiReply() throws {
        let payload = ByteBuffer(string: try Self.repro())
        func decode() -> JetStreamError? {
            do {
                _ = try JetStream.decodeResponse(payload, operation: "read stream 'ORDERS'", as: StreamInfo.self)
                return nil
            } catch let error as JetStreamError {
                return error
            } catch {
                Issue.record("unexpected \(error)")
                return nil
            }
        }
        let error = decode()
        #expect(error?.kind == .invalidReply)
        #expect(error?.message.contains("stream 'ORDERS'") == true)
        #expect(error?.message.contains("deeper than 128 levels") == true)
        #expect(throws: JetStreamError.self) { try JetStream.pubAck(from: payload, subject: "orders.x") }
        let elapsed = Self.fastest { _ = decode() }
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("a stream or consumer description nesting 513 deep is not Herald's, in under 10 ms")
    func descriptions() throws {
        let description = try Self.reproDescription()
        #expect(TopicDescriptor(description: description) == nil)
        #expect(GroupDescriptor(description: description) == nil)
        let elapsed = Self.fastest { _ = TopicDescriptor(description: description) }
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("a stream info reply whose description nests 513 deep decodes, and the description is not Herald's")
    func replyWithDeepDescription() throws {
        let description = try Self.reproDescription()
        let escaped = description.replacingOccurrences(of: "\"", with: "\\\"")
        let reply =
            #"{"config":{"name":"S","subjects":["s"],"description":"\#(escaped)","retention":"limits","#
            + #""max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msg_size":-1,"storage":"file","#
            + #""discard":"old","num_replicas":1,"duplicate_window":0},"created":"2026-01-01T00:00:00Z","#
            + #""state":{"messages":0,"bytes":0,"first_seq":0,"last_seq":0,"consumer_count":0}}"#
        let info = try JetStream.decodeResponse(
            ByteBuffer(string: reply),
            operation: "read stream 'S'",
            as: StreamInfo.self
        )
        #expect(info.configuration.description == description)
        #expect(TopicDescriptor(description: info.configuration.description) == nil)
    }
}
