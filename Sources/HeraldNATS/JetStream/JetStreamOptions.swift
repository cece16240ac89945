/// How a ``JetStream`` context talks to the server's JetStream API.
public struct JetStreamOptions: Sendable, Hashable {
    /// The subject prefix of the API. Default `$JS.API`; a domain `D` uses `$JS.D.API`.
    public var apiPrefix: String
    /// How long an API request, a publish acknowledgement or a confirmed ack may take. Default 5 s.
    public var requestTimeout: Duration

    /// Options for the default API prefix, or for a JetStream `domain`.
    public init(domain: String? = nil, requestTimeout: Duration = .seconds(5)) {
        self.apiPrefix = domain.map { "$JS.\($0).API" } ?? "$JS.API"
        self.requestTimeout = requestTimeout
    }
}
