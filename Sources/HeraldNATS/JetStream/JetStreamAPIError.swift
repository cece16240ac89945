/// The `error` object of a JetStream API response.
public struct JetStreamAPIError: Sendable, Hashable, Codable {
    /// The HTTP-like status code.
    public var code: Int
    /// The JetStream error code, such as 10059.
    public var errorCode: Int?
    /// The server's description.
    public var description: String

    enum CodingKeys: String, CodingKey {
        case code
        case errorCode = "err_code"
        case description
    }

    /// Creates an error body.
    public init(code: Int, errorCode: Int?, description: String) {
        self.code = code
        self.errorCode = errorCode
        self.description = description
    }
}
