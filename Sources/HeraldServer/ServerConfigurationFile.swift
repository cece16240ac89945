import Foundation
import Herald
import NIOCore

/// Reads a server configuration from a JSON file (JSON, not YAML: no parser beyond Foundation's is needed,
/// and JSON Schema tooling reads it). Every key is checked: an unknown key, a wrong type or a value out of
/// range is refused with its path named, so that a typo never silently falls back to a default.
///
/// ```json
/// {
///   "host": "127.0.0.1",
///   "port": 8080,
///   "limits": { "maximumBodyBytes": 16777216, "maximumBatchEvents": 10000 },
///   "topics": [
///     { "name": "orders", "partitions": 4, "deduplicationWindowSeconds": 120, "maximumEvents": 1000000,
///       "maximumBytes": 536870912, "maximumEventBytes": 1048576, "overflowPolicy": "rejectPublish" }
///   ]
/// }
/// ```
public enum ServerConfigurationFile {
    /// The largest configuration file read.
    public static let maximumBytes = 1024 * 1024

    /// The configuration in the file at `path`, over `base` (command-line values the file does not set).
    ///
    /// - Throws: ``ServerConfigurationError`` naming the offending key.
    public static func load(_ path: String, over base: ServerConfiguration = ServerConfiguration()) throws(ServerConfigurationError) -> ServerConfiguration {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumBytes {
                throw ServerConfigurationError(path: path, key: nil, message: "the file holds \(size) bytes; at most \(maximumBytes) are read")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as ServerConfigurationError {
            throw error
        } catch {
            throw ServerConfigurationError(path: path, key: nil, message: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(data, path: path, over: base)
    }

    /// The configuration in `data` (the file's bytes; `path` names it in errors).
    ///
    /// - Throws: ``ServerConfigurationError`` naming the offending key.
    public static func parse(
        _ data: Data, path: String, over base: ServerConfiguration = ServerConfiguration()
    ) throws(ServerConfigurationError) -> ServerConfiguration {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: ByteBuffer(bytes: data), limits: JSONLimits(maximumDepth: 16, maximumBytes: maximumBytes))
        } catch {
            throw ServerConfigurationError(path: path, key: nil, message: "is not valid JSON: \(error)")
        }
        let reader = KeyReader(path: path)
        let object = try reader.object(root, at: nil)
        var configuration = base
        try reader.onlyKeys(["host", "port", "limits", "topics"], in: object, at: nil)
        if let host = try reader.string(object["host"], at: "host") { configuration.host = host }
        if let port = try reader.integer(object["port"], at: "port", in: 0...65_535) { configuration.port = port }
        if let limits = object["limits"] {
            let limitsObject = try reader.object(limits, at: "limits")
            try reader.onlyKeys(["maximumBodyBytes", "maximumBatchEvents"], in: limitsObject, at: "limits")
            if let bytes = try reader.integer(limitsObject["maximumBodyBytes"], at: "limits.maximumBodyBytes", in: 1...(1 << 30)) {
                configuration.limits.maximumBodyBytes = bytes
            }
            if let events = try reader.integer(limitsObject["maximumBatchEvents"], at: "limits.maximumBatchEvents", in: 1...1_000_000) {
                configuration.limits.maximumBatchEvents = events
            }
        }
        if let topics = object["topics"] {
            guard case .array(let list) = topics else { throw reader.error("topics", "must be a list of topic objects") }
            configuration.topics = try list.enumerated().map { index, item throws(ServerConfigurationError) in
                try reader.topic(item, at: "topics[\(index)]")
            }
        }
        return configuration
    }
}

/// Reads values of a decoded JSON document, naming the key of any that is wrong.
private struct KeyReader {
    let path: String

    func error(_ key: String?, _ message: String) -> ServerConfigurationError {
        ServerConfigurationError(path: path, key: key, message: message)
    }

    func object(_ value: JSONValue, at key: String?) throws(ServerConfigurationError) -> [String: JSONValue] {
        guard case .object(let object) = value else { throw error(key, "must be a JSON object; it is \(value.kindDescription)") }
        return object
    }

    func onlyKeys(_ known: Set<String>, in object: [String: JSONValue], at key: String?) throws(ServerConfigurationError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            let full = key.map { "\($0).\(unknown)" } ?? unknown
            throw error(full, "is not a setting here; the settings are \(known.sorted().joined(separator: ", "))")
        }
    }

    func string(_ value: JSONValue?, at key: String) throws(ServerConfigurationError) -> String? {
        guard let value else { return nil }
        guard case .string(let string) = value, !string.isEmpty else { throw error(key, "must be a non-empty string") }
        return string
    }

    func integer(_ value: JSONValue?, at key: String, in range: ClosedRange<Int>) throws(ServerConfigurationError) -> Int? {
        guard let value else { return nil }
        guard case .integer(let number) = value, let integer = Int(exactly: number), range.contains(integer) else {
            let shown = (try? value.serialized()).map { String(buffer: $0) } ?? value.kindDescription
            throw error(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound); it is \(shown)")
        }
        return integer
    }

    func topic(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> TopicConfiguration {
        let object = try object(value, at: key)
        try onlyKeys(
            [
                "name", "partitions", "deduplicationWindowSeconds", "maximumDeduplicationEntries", "maximumEvents", "maximumBytes",
                "maximumEventBytes", "overflowPolicy",
            ], in: object, at: key)
        guard let name = try string(object["name"], at: "\(key).name") else { throw error("\(key).name", "is required") }
        var topic = TopicConfiguration(name: name)
        if let value = try integer(object["partitions"], at: "\(key).partitions", in: 1...1_024) { topic.partitions = value }
        if let value = try integer(object["deduplicationWindowSeconds"], at: "\(key).deduplicationWindowSeconds", in: 0...(30 * 86_400)) {
            topic.deduplicationWindow = .seconds(value)
        }
        if let value = try integer(object["maximumDeduplicationEntries"], at: "\(key).maximumDeduplicationEntries", in: 1...100_000_000) {
            topic.maximumDeduplicationEntries = value
        }
        if let value = try integer(object["maximumEvents"], at: "\(key).maximumEvents", in: 1...Int(Int32.max)) { topic.maximumEvents = value }
        if let value = try integer(object["maximumBytes"], at: "\(key).maximumBytes", in: 1...(1 << 50)) { topic.maximumBytes = value }
        if let value = try integer(object["maximumEventBytes"], at: "\(key).maximumEventBytes", in: 1...(64 << 20)) { topic.maximumEventBytes = value }
        if let policy = try string(object["overflowPolicy"], at: "\(key).overflowPolicy") {
            switch policy {
            case "rejectPublish": topic.overflowPolicy = .rejectPublish
            case "dropOldest": topic.overflowPolicy = .dropOldest
            default: throw error("\(key).overflowPolicy", "must be rejectPublish or dropOldest; it is \(policy)")
            }
        }
        do {
            try topic.validate()
        } catch {
            throw self.error(key, error.message)
        }
        return topic
    }
}
