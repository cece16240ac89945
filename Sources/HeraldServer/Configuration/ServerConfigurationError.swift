/// A configuration file was refused: it names the file, the offending key (as a path such as
/// `topics[1].partitions`) and what is wrong.
public struct ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let path: String
    /// The offending key, or `nil` for the file as a whole.
    public let key: String?
    /// What is wrong and what to do.
    public let message: String

    /// An error for `key` in the file at `path`.
    public init(path: String, key: String?, message: String) {
        self.path = path
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(path): \(key): \(message)" }
        return "\(path): \(message)"
    }
}
