import Herald

extension ConfigurationKeyReader {
    /// The server's limits from the object at `key`, over `base`.
    func limits(_ value: JSONValue, at key: String, over base: ServerLimits) throws(ServerConfigurationError) -> ServerLimits {
        let object = try object(value, at: key)
        try onlyKeys(["maximumBodyBytes", "maximumBatchEvents", "maximumConnections", "perToken"], in: object, at: key)
        var limits = base
        if let bytes = try integer(object["maximumBodyBytes"], at: self.key("maximumBodyBytes", under: key), in: 1...(1 << 30)) {
            limits.maximumBodyBytes = bytes
        }
        if let events = try integer(object["maximumBatchEvents"], at: self.key("maximumBatchEvents", under: key), in: 1...1_000_000) {
            limits.maximumBatchEvents = events
        }
        if let connections = try integer(object["maximumConnections"], at: self.key("maximumConnections", under: key), in: 1...1_000_000) {
            limits.maximumConnections = connections
        }
        if let perToken = object["perToken"] {
            limits.perToken = limits.perToken.overridden(by: try tokenLimits(perToken, at: self.key("perToken", under: key)))
        }
        return limits
    }

    /// A token's limits from the object at `key`: the bounds it sets, the rest `nil`.
    func tokenLimits(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> TokenLimits {
        let object = try object(value, at: key)
        try onlyKeys(["requestsPerSecond", "burst", "concurrentRequests"], in: object, at: key)
        var limits = TokenLimits(concurrentRequests: nil)
        if let rate = object["requestsPerSecond"] {
            let at = self.key("requestsPerSecond", under: key)
            let number: Double
            switch rate {
            case .integer(let value): number = Double(value)
            case .number(let value): number = value
            default: throw error(at, "must be a number of requests per second; it is \(rate.kindDescription)")
            }
            guard number > 0, number <= 1_000_000 else { throw error(at, "must be more than 0 and at most 1000000; it is \(number)") }
            limits.requestsPerSecond = number
        }
        limits.burst = try integer(object["burst"], at: self.key("burst", under: key), in: 1...1_000_000)
        limits.concurrentRequests = try integer(object["concurrentRequests"], at: self.key("concurrentRequests", under: key), in: 1...100_000)
        return limits
    }
}

extension ConfigurationKeyReader {
    /// The TLS identity from the object at `key`: both files, read now.
    func tls(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> ServerTLS {
        let object = try object(value, at: key)
        try onlyKeys(["certificateChain", "privateKey"], in: object, at: key)
        guard let chain = try string(object["certificateChain"], at: self.key("certificateChain", under: key)) else {
            throw error(self.key("certificateChain", under: key), "is required: the PEM file of the server's certificate chain")
        }
        guard let privateKey = try string(object["privateKey"], at: self.key("privateKey", under: key)) else {
            throw error(self.key("privateKey", under: key), "is required: the PEM file of the certificate's private key")
        }
        do throws(ServerTLSError) {
            return try ServerTLS(certificateChainPath: chain, privateKeyPath: privateKey)
        } catch {
            throw self.error(self.key(error.setting, under: key), "\(error)")
        }
    }
}
