import Herald

import struct Foundation.Data
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder

/// Settings Herald keeps as JSON in a JetStream `description` field (of a stream or a consumer), so that
/// every broker instance reads the same ones.
protocol JSONDescription: Codable {}

extension JSONDescription {
    /// The JSON, with sorted keys so that every instance writes the same description.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The settings in a description, `nil` when it holds none (an object Herald did not create, or a
    /// description beyond ``JSONLimits``' bounds, which Foundation's decoder might crash on).
    init?(description: String?) {
        guard let description, description.hasPrefix("{"), (try? JSONLimits().check(description.utf8)) != nil,
            let value = try? JSONDecoder().decode(Self.self, from: Data(description.utf8))
        else { return nil }
        self = value
    }
}
