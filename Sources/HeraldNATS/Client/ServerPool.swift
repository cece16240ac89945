/// The servers a client rotates through: the configured ones first, then those the cluster advertises.
struct ServerPool: Sendable {
    /// The most servers kept; further advertised ones are ignored.
    static let capacity = 64

    private(set) var servers: [NATSServerAddress]
    private var nextIndex = 0

    /// Creates a pool of the configured servers, in order.
    init(_ servers: [NATSServerAddress]) {
        self.servers = Array(servers.prefix(Self.capacity))
    }

    /// The server to try next, rotating through the pool.
    mutating func next() -> NATSServerAddress? {
        guard !servers.isEmpty else { return nil }
        let server = servers[nextIndex % servers.count]
        nextIndex = (nextIndex + 1) % servers.count
        return server
    }

    /// Makes `server` the last one tried, so the next attempt starts with the one after it.
    mutating func markCurrent(_ server: NATSServerAddress) {
        guard let index = servers.firstIndex(where: { $0.host == server.host && $0.port == server.port }) else { return }
        nextIndex = (index + 1) % servers.count
    }

    /// Adds the `host:port` entries of an `INFO`'s `connect_urls` that are not in the pool yet.
    mutating func addAdvertised(_ urls: [String]) {
        for url in urls where servers.count < Self.capacity {
            guard let address = try? NATSServerAddress.parse(url, isConfigured: false) else { continue }
            if !servers.contains(where: { $0.host == address.host && $0.port == address.port }) {
                servers.append(address)
            }
        }
    }

    /// The credentials of the first configured server that has any, for advertised servers.
    var configuredCredentials: (user: String?, password: String?)? {
        servers.first { $0.isConfigured && $0.user != nil }.map { ($0.user, $0.password) }
    }
}

/// Delays between reconnect attempts: exponential backoff with full jitter.
enum Backoff {
    /// A random delay between zero and `min(maximum, base × 2^attempt)`.
    static func delay(
        attempt: Int,
        base: Duration,
        maximum: Duration,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let baseSeconds = seconds(base)
        let cap = min(seconds(maximum), baseSeconds * Double(1 << min(max(attempt, 0), 30)))
        guard cap > 0 else { return .zero }
        return .nanoseconds(Int64(Double.random(in: 0...cap, using: &generator) * 1e9))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
