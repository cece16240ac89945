import Foundation
import HTTPTypes
import Herald

/// How a request body carries events, from its `Content-Type` (the CloudEvents HTTP binding's content modes).
enum EventContentMode: Equatable {
    /// One event: attributes in `ce-` headers, the body its data.
    case binary
    /// One event in the JSON event format.
    case structured
    /// Events in the JSON batch format.
    case batch

    /// The mode of a request with `contentType`.
    ///
    /// - Throws: a 415 ``Problem`` for a structured or batch format other than JSON.
    init(contentType: String?) throws(Problem) {
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case CloudEventJSON.mediaType: self = .structured
        case CloudEventJSON.batchMediaType: self = .batch
        case let other where other.hasPrefix("application/cloudevents"):
            throw Problem(
                status: .unsupportedMediaType, code: "unsupportedMediaType", title: "Unsupported event format",
                detail: "the server reads the JSON event format (\(CloudEventJSON.mediaType)), the JSON batch format "
                    + "(\(CloudEventJSON.batchMediaType)) and binary mode (ce- headers); '\(other)' is none of them",
                attribute: "Content-Type"
            )
        default: self = .binary
        }
    }
}
