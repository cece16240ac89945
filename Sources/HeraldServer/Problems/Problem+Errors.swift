import HTTPTypes
import Herald

/// The problems of Herald's own errors: one table from each error code to its HTTP status.
extension Problem {
    /// The status of each ``BrokerError/Code``.
    static func status(of code: BrokerError.Code) -> HTTPResponse.Status {
        switch code {
        case .unknownTopic, .unknownGroup, .unknownPartition: .notFound
        case .topicExists: .conflict
        case .invalidTopicName, .invalidGroupName, .invalidConfiguration, .invalidSubscription, .invalidSeek: .badRequest
        case .topicFull: .tooManyRequests
        case .eventTooLarge: .contentTooLarge
        case .closed, .unavailable, .storage: .serviceUnavailable
        case .unsupported: .notImplemented
        default: .internalServerError
        }
    }

    /// The problem a ``BrokerError`` is, for a request on `topic`.
    init(_ error: BrokerError, topic: String?) {
        let status = Self.status(of: error.code)
        self.init(
            status: status,
            code: error.code.description,
            title: Self.title(of: error.code),
            detail: error.message,
            topic: topic,
            retryAfterSeconds: status == .tooManyRequests || (status == .serviceUnavailable && error.isRetryable) ? 1 : nil
        )
    }

    /// The problem an invalid CloudEvent is (400), naming its attribute and its place in a batch.
    init(_ error: CloudEventError, topic: String?) {
        self.init(
            status: .badRequest,
            code: "invalidEvent",
            title: "The event is not a valid CloudEvent",
            detail: error.message,
            attribute: error.attribute,
            topic: topic,
            index: error.batchIndex
        )
    }

    private static func title(of code: BrokerError.Code) -> String {
        switch code {
        case .unknownTopic: "No such topic"
        case .unknownGroup: "No such consumer group"
        case .unknownPartition: "No such partition"
        case .topicExists: "A different topic of that name exists"
        case .invalidTopicName: "Invalid topic name"
        case .invalidGroupName: "Invalid group name"
        case .invalidConfiguration: "Invalid topic configuration"
        case .invalidSubscription: "Invalid subscription"
        case .invalidSeek: "Invalid seek"
        case .topicFull: "The topic is full"
        case .eventTooLarge: "The event is too large"
        case .closed: "The broker is shut down"
        case .unavailable: "The broker cannot serve the request now"
        case .storage: "The broker's storage failed"
        case .unsupported: "The broker cannot do this"
        default: "The broker refused the request"
        }
    }
}
