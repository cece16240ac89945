import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The CloudEvents Web Hook validation handshake (abuse protection): before it delivers anything, the
/// server asks the endpoint with `OPTIONS` and `WebHook-Request-Origin` whether it wants events from this
/// origin; the endpoint agrees by answering 2xx with `WebHook-Allowed-Origin` (the origin, or `*`) and
/// may set the most requests per minute with `WebHook-Allowed-Rate`.
public enum WebhookValidation: Sendable, Hashable {
    /// The endpoint agreed; `ratePerMinute` is its limit, `nil` for none.
    case allowed(ratePerMinute: Int?)
    /// The endpoint did not agree, or could not be asked: why.
    case refused(String)

    /// Asks the endpoint of `configuration`.
    static func perform(_ configuration: WebhookConfiguration, client: HTTPClient) async -> WebhookValidation {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .OPTIONS
        request.headers.add(name: "WebHook-Request-Origin", value: configuration.origin)
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return evaluate(status: Int(response.status.code), headers: response.headers, origin: configuration.origin)
        } catch {
            return .refused("the validation request failed: \(error)")
        }
    }

    /// The verdict of an answer with `status` and `headers` to a validation request from `origin`.
    static func evaluate(status: Int, headers: HTTPHeaders, origin: String) -> WebhookValidation {
        guard (200..<300).contains(status) else { return .refused("the endpoint answered the validation request with \(status)") }
        guard let allowed = headers.first(name: "WebHook-Allowed-Origin") else {
            return .refused("the endpoint's answer to the validation request has no WebHook-Allowed-Origin header")
        }
        guard allowed == "*" || allowed == origin else {
            return .refused("the endpoint allows the origin '\(allowed.prefix(200))', not '\(origin)'")
        }
        let rate = headers.first(name: "WebHook-Allowed-Rate").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        return .allowed(ratePerMinute: rate)
    }
}
