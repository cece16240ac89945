import Foundation
import Herald
import HeraldServer
import Testing

@Suite("Server: configuration file")
struct ServerConfigurationFileTests {
    private func parse(_ text: String) throws(ServerConfigurationError) -> ServerConfiguration {
        try ServerConfigurationFile.parse(Data(text.utf8), path: "herald.json")
    }

    @Test("a full file is read: host, port, limits and topics")
    func valid() throws {
        let configuration = try parse(
            #"{"host":"0.0.0.0","port":9000,"limits":{"maximumBodyBytes":1024,"maximumBatchEvents":10},"topics":[{"name":"orders","partitions":4,"deduplicationWindowSeconds":60,"overflowPolicy":"dropOldest"}]}"#
        )
        #expect(configuration.host == "0.0.0.0" && configuration.port == 9000)
        #expect(configuration.limits == ServerLimits(maximumBodyBytes: 1_024, maximumBatchEvents: 10))
        #expect(configuration.topics == [TopicConfiguration(name: "orders", partitions: 4, deduplicationWindow: .seconds(60), overflowPolicy: .dropOldest)])
    }

    private static let digest = String(repeating: "ab", count: 32)

    @Test("access: tokens by digest with grants per topic pattern")
    func access() throws {
        let digest = TokenDigest.sha256(of: "hrd_example")
        let configuration = try parse(
            #"{"access":{"tokens":[{"name":"billing","sha256":"\#(digest)","grants":[{"topics":"orders*","permissions":["publish","consume"]}]}]}}"#)
        #expect(!configuration.access.allowsAnonymous)
        let token = try #require(configuration.access.tokens.first)
        #expect(token.name == "billing" && token.sha256 == digest)
        #expect(token.allows(.publish, topic: "orders.eu") && token.allows(.consume, topic: "orders"))
        #expect(!token.allows(.admin, topic: "orders") && !token.allows(.publish, topic: "payments"))
    }

    @Test(
        "an invalid file is refused with the offending key named",
        arguments: [
            (#"{"prot":8080}"#, "prot"),
            (#"{"port":"8080"}"#, "port"),
            (#"{"port":70000}"#, "port"),
            (#"{"limits":{"maximumBodyBytes":0}}"#, "limits.maximumBodyBytes"),
            (#"{"topics":[{"name":"a"},{"name":"b","partitons":2}]}"#, "topics[1].partitons"),
            (#"{"topics":[{"partitions":2}]}"#, "topics[0].name"),
            (#"{"topics":[{"name":"a","overflowPolicy":"drop"}]}"#, "topics[0].overflowPolicy"),
            (#"{"topics":[{"name":"bad name!"}]}"#, "topics[0]"),
            (#"{"access":{"tokens":[{"name":"ci","sha256":"hrd_the-token-itself","grants":[]}]}}"#, "access.tokens[0].sha256"),
            (
                #"{"access":{"tokens":[{"name":"ci","sha256":"\#(Self.digest)","grants":[{"topics":"*","permissions":["write"]}]}]}}"#,
                "access.tokens[0].grants[0].permissions[0]"
            ),
            (
                #"{"access":{"tokens":[{"name":"ci","sha256":"\#(Self.digest)","grants":[{"topics":"a/b","permissions":[]}]}]}}"#,
                "access.tokens[0].grants[0].topics"
            ),
            (#"{"access":{"tokens":[{"name":"ci","sha256":"\#(Self.digest)"}]}}"#, "access.tokens[0].grants"),
            (#"{"access":{"allowAnonymous":"yes"}}"#, "access.allowAnonymous"),
            (
                #"{"access":{"tokens":[{"name":"a","sha256":"\#(Self.digest)","grants":[]},{"name":"b","sha256":"\#(Self.digest)","grants":[]}]}}"#,
                "access.tokens[1].sha256"
            ),
        ])
    func invalid(_ text: String, key: String) {
        do {
            _ = try parse(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.description.hasPrefix("herald.json: \(key): "))
        }
    }

    @Test("a file that is not JSON, or not an object, is refused naming the file")
    func notJSON() {
        for text in ["", "{", "[1]", "{\"port\":1,}"] {
            #expect(throws: ServerConfigurationError.self, "\(text)") { try parse(text) }
        }
    }
}
