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
