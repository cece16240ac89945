import Foundation

/// The JSON body of `CONNECT`: what the client supports and its credentials.
struct NATSConnectOptions: Encodable, Sendable, Hashable {
    var verbose = false
    var pedantic = false
    var tlsRequired = false
    var name: String?
    var lang = "swift"
    var version = NATSConnectOptions.clientVersion
    var `protocol` = 1
    var echo = true
    var headers = true
    var noResponders = true
    var authToken: String?
    var user: String?
    var pass: String?

    /// The version this client reports to the server.
    static let clientVersion = "0.1.0"

    private enum CodingKeys: String, CodingKey {
        case verbose, pedantic, name, lang, version, `protocol`, echo, headers, user, pass
        case tlsRequired = "tls_required"
        case noResponders = "no_responders"
        case authToken = "auth_token"
    }

    /// The options as one line of JSON (keys sorted, so the bytes are stable).
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, numbers and booleans cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
