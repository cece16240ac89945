import Herald
import NIOCore

/// Reads values of a decoded JSON document, naming the key of any that is wrong.
struct ConfigurationKeyReader {
    /// The file named in errors.
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

    /// `name` under `key` (`topics[1].name`), or `name` alone at the top.
    func key(_ name: String, under key: String?) -> String {
        key.map { "\($0).\(name)" } ?? name
    }

    /// A topic's configuration, from the object at `key` (`nil`: the document itself).
    func topic(_ value: JSONValue, at key: String?) throws(ServerConfigurationError) -> TopicConfiguration {
        let object = try object(value, at: key)
        try onlyKeys(
            [
                "name", "partitions", "deduplicationWindowSeconds", "maximumDeduplicationEntries", "maximumEvents", "maximumBytes",
                "maximumEventBytes", "overflowPolicy",
            ], in: object, at: key)
        guard let name = try string(object["name"], at: self.key("name", under: key)) else { throw error(self.key("name", under: key), "is required") }
        var topic = TopicConfiguration(name: name)
        if let value = try integer(object["partitions"], at: self.key("partitions", under: key), in: 1...1_024) { topic.partitions = value }
        if let value = try integer(object["deduplicationWindowSeconds"], at: self.key("deduplicationWindowSeconds", under: key), in: 0...(30 * 86_400)) {
            topic.deduplicationWindow = .seconds(value)
        }
        if let value = try integer(object["maximumDeduplicationEntries"], at: self.key("maximumDeduplicationEntries", under: key), in: 1...100_000_000) {
            topic.maximumDeduplicationEntries = value
        }
        if let value = try integer(object["maximumEvents"], at: self.key("maximumEvents", under: key), in: 1...Int(Int32.max)) { topic.maximumEvents = value }
        if let value = try integer(object["maximumBytes"], at: self.key("maximumBytes", under: key), in: 1...(1 << 50)) { topic.maximumBytes = value }
        if let value = try integer(object["maximumEventBytes"], at: self.key("maximumEventBytes", under: key), in: 1...(64 << 20)) {
            topic.maximumEventBytes = value
        }
        if let policy = try string(object["overflowPolicy"], at: self.key("overflowPolicy", under: key)) {
            switch policy {
            case "rejectPublish": topic.overflowPolicy = .rejectPublish
            case "dropOldest": topic.overflowPolicy = .dropOldest
            default: throw error(self.key("overflowPolicy", under: key), "must be rejectPublish or dropOldest; it is \(policy)")
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
