import Herald

extension ConfigurationKeyReader {
    /// A webhook, from the object at `key`.
    func webhook(_ value: JSONValue, at key: String) throws(ServerConfigurationError) -> WebhookConfiguration {
        let object = try object(value, at: key)
        try onlyKeys(
            [
                "name", "topic", "url", "group", "maximumConcurrency", "timeoutMilliseconds", "maximumDeliveries", "initialRetryMilliseconds",
                "maximumRetryMilliseconds", "origin",
            ], in: object, at: key)
        func required(_ name: String) throws(ServerConfigurationError) -> String {
            guard let text = try string(object[name], at: self.key(name, under: key)) else { throw error(self.key(name, under: key), "is required") }
            return text
        }
        let name = try required("name")
        let topic = try required("topic")
        do {
            try TopicName.validate(topic)
        } catch {
            throw self.error(self.key("topic", under: key), error.message)
        }
        let url = try required("url")
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.count <= 2_048 else {
            throw error(self.key("url", under: key), "must be an http:// or https:// URL")
        }
        var webhook = WebhookConfiguration(name: name, topic: topic, url: url, group: try string(object["group"], at: self.key("group", under: key)))
        if let value = try integer(object["maximumConcurrency"], at: self.key("maximumConcurrency", under: key), in: 1...256) {
            webhook.maximumConcurrency = value
        }
        if let value = try integer(object["timeoutMilliseconds"], at: self.key("timeoutMilliseconds", under: key), in: 100...300_000) {
            webhook.timeout = .milliseconds(value)
        }
        if let value = try integer(object["maximumDeliveries"], at: self.key("maximumDeliveries", under: key), in: 1...1_000) {
            webhook.retry.maximumAttempts = value
        }
        if let value = try integer(object["initialRetryMilliseconds"], at: self.key("initialRetryMilliseconds", under: key), in: 0...3_600_000) {
            webhook.retry.initialDelay = .milliseconds(value)
        }
        if let value = try integer(object["maximumRetryMilliseconds"], at: self.key("maximumRetryMilliseconds", under: key), in: 0...86_400_000) {
            webhook.retry.maximumDelay = .milliseconds(value)
        }
        if webhook.retry.maximumDelay < webhook.retry.initialDelay {
            throw error(self.key("maximumRetryMilliseconds", under: key), "must not be less than initialRetryMilliseconds")
        }
        if let origin = try string(object["origin"], at: self.key("origin", under: key)) { webhook.origin = origin }
        return webhook
    }
}
