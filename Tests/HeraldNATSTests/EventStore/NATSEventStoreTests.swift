import Foundation
import Herald
import HeraldNATS
import NIOCore
import Testing

/// What the NATS event store does beyond the conformance suite: the JetStream stream it keeps its
/// streams in, and the messages other clients see there.
@Suite(
    "NATS event store",
    .enabled(if: TestEnvironment.runsSharedServerTests, "HERALD_NATS_URL is not set; run scripts/test.sh for a server")
)
struct NATSEventStoreTests {
    @Test("a stream created without direct gets has them turned on; each append is one message on the stream's subject")
    func existingStream() async throws {
        let url = try TestEnvironment.requireNATSURL()
        let name = "ESX\(UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: ""))"
        let prefix = name.lowercased()
        let client = try await NATSClient.connect(NATSClientOptions(servers: [url]), logger: testLogger)
        let jetStream = JetStream(client: client)
        _ = try await jetStream.createStream(StreamConfiguration(name: name, subjects: ["\(prefix).>"]))
        let store = try await NATSEventStore.connect(client: client, options: NATSEventStoreOptions(servers: [url], streamName: name, subjectPrefix: prefix))
        do {
            #expect(try await jetStream.streamInfo(name).configuration.allowDirect == true)
            let events = try (0..<3).map { try Event(id: "e-\($0)", source: "/test", type: "tested.v1", data: ByteBuffer(string: "\($0)")) }
            let result = try await store.append(events, to: "order.A-1", expecting: .noStream)
            let message = try await jetStream.lastMessage(stream: name, subject: "\(prefix).order~2EA-1")
            #expect(message.headers?["Herald-Revision"] == "0")
            #expect(message.headers?["Herald-Count"] == "3")
            #expect(result.position == message.sequence << 16 | 2)
            #expect(try await store.read(stream: "order.A-1", from: .end, direction: .backwards, limit: 2).map(\.event.id) == ["e-2", "e-1"])
            #expect(try await store.headPosition() == result.position)
        } catch {
            try? await jetStream.deleteStream(name)
            await client.close()
            throw error
        }
        try await jetStream.deleteStream(name)
        await store.close()
        await client.close()
    }
}
