import Foundation
import Herald
import HeraldNATS
import Logging

/// Runs a command's brokers on NATS JetStream: each run gets its own stream prefix, so it starts from
/// empty topics however often it is repeated against the same server, and its streams are deleted at
/// the end.
struct NATSRun {
    /// The server URLs.
    let servers: [String]
    /// The stream prefix of this run, e.g. `HERALD_DEMO_1A2B3C4D`.
    let streamPrefix: String

    /// A run whose prefix starts with `label` and ends with a random tag.
    init(url: String, label: String) {
        self.servers = url.split(separator: ",").map { String($0) }
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)
        self.streamPrefix = "\(label)_\(tag)"
    }

    /// Connects a broker for this run.
    func connect(logger: Logger) async throws -> NATSBroker {
        try await NATSBroker.connect(NATSBrokerOptions(servers: servers, streamPrefix: streamPrefix), logger: logger)
    }

    /// Deletes this run's streams, then closes `broker`.
    func finish(_ broker: NATSBroker) async {
        await Self.finish(broker)
    }

    /// Deletes the streams of `broker`'s prefix, then closes it. Failures are reported, not thrown: the
    /// run's own result matters more than the cleanup.
    static func finish(_ broker: NATSBroker) async {
        let streamPrefix = broker.options.streamPrefix
        do {
            for stream in try await broker.jetStream.streams() where stream.configuration.name.hasPrefix("\(streamPrefix)_") {
                try await broker.jetStream.deleteStream(stream.configuration.name)
            }
        } catch {
            print("warning: could not delete the streams of prefix \(streamPrefix): \(error)")
        }
        await broker.close()
    }
}
