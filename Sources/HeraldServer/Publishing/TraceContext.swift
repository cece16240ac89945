import HTTPTypes
import Herald

/// The W3C trace context of a publishing request, carried into its events: an event without its own
/// `traceparent` extension takes the request's `traceparent` (and `tracestate`) header, so a trace that
/// reached the server over HTTP goes on through the broker to the consumers.
enum TraceContext {
    /// `events` with the request's trace context where they have none.
    static func apply(_ headers: HTTPFields, to events: [Event]) -> [Event] {
        guard let parent = headers[HTTPField.Name("traceparent") ?? .via], isValidTraceParent(parent) else { return events }
        let state = headers[HTTPField.Name("tracestate") ?? .via].flatMap { $0.utf8.count <= 512 ? $0 : nil }
        return events.map { event in
            guard event.extensionValue(ExtensionAttributeName.traceParent.rawValue) == nil else { return event }
            var traced = event
            try? traced.setExtension(ExtensionAttributeName.traceParent.rawValue, to: parent)
            if let state { try? traced.setExtension(ExtensionAttributeName.traceState.rawValue, to: state) }
            return traced
        }
    }

    /// Whether `value` is a version-00 `traceparent`: `00-<32 hex>-<16 hex>-<2 hex>`, ids not all zero.
    static func isValidTraceParent(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2 else { return false }
        let hex = parts.dropFirst().allSatisfy { $0.allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) } }
        return hex && parts[1].contains { $0 != "0" } && parts[2].contains { $0 != "0" }
    }
}
