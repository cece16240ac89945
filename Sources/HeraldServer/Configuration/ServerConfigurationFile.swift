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
///   "tls": { "certificateChain": "/etc/herald/cert.pem", "privateKey": "/etc/herald/key.pem" },
///   "limits": { "maximumBodyBytes": 16777216, "maximumBatchEvents": 10000, "maximumConnections": 1024,
///               "perToken": { "requestsPerSecond": 500, "burst": 1000, "concurrentRequests": 256 } },
///   "topics": [
///     { "name": "orders", "partitions": 4, "deduplicationWindowSeconds": 120, "maximumEvents": 1000000,
///       "maximumBytes": 536870912, "maximumEventBytes": 1048576, "overflowPolicy": "rejectPublish" }
///   ],
///   "webhooks": [
///     { "name": "billing", "topic": "orders", "url": "https://billing.example/events", "maximumConcurrency": 4,
///       "timeoutMilliseconds": 10000, "maximumDeliveries": 8, "initialRetryMilliseconds": 1000, "maximumRetryMilliseconds": 300000 }
///   ],
///   "access": {
///     "allowAnonymous": false,
///     "tokens": [
///       { "name": "billing-service", "sha256": "<64 hex digits: herald token prints them>",
///         "grants": [ { "topics": "orders*", "permissions": ["publish", "consume"] } ],
///         "limits": { "requestsPerSecond": 50 } }
///     ]
///   }
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
        let reader = ConfigurationKeyReader(path: path)
        let object = try reader.object(root, at: nil)
        var configuration = base
        try reader.onlyKeys(["host", "port", "tls", "limits", "topics", "access", "webhooks"], in: object, at: nil)
        if let host = try reader.string(object["host"], at: "host") { configuration.host = host }
        if let port = try reader.integer(object["port"], at: "port", in: 0...65_535) { configuration.port = port }
        if let limits = object["limits"] {
            configuration.limits = try reader.limits(limits, at: "limits", over: configuration.limits)
        }
        if let tls = object["tls"] {
            configuration.tls = try reader.tls(tls, at: "tls")
        }
        if let topics = object["topics"] {
            guard case .array(let list) = topics else { throw reader.error("topics", "must be a list of topic objects") }
            configuration.topics = try list.enumerated().map { index, item throws(ServerConfigurationError) in
                try reader.topic(item, at: "topics[\(index)]")
            }
        }
        if let webhooks = object["webhooks"] {
            let list = try reader.array(webhooks, at: "webhooks")
            configuration.webhooks = try list.enumerated().map { index, item throws(ServerConfigurationError) in
                try reader.webhook(item, at: "webhooks[\(index)]")
            }
            var names: Set<String> = []
            for (index, webhook) in configuration.webhooks.enumerated() where !names.insert(webhook.name).inserted {
                throw ServerConfigurationError(path: path, key: "webhooks[\(index)].name", message: "'\(webhook.name)' names an earlier webhook")
            }
        }
        if let access = object["access"] {
            configuration.access = try reader.access(access, at: "access", over: configuration.access)
        }
        return configuration
    }
}
