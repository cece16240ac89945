import NIOCore

extension Event: CustomStringConvertible, CustomDebugStringConvertible {
    /// The event as a reader wants it in a log line or a `print`: its attributes, set ones only, and the
    /// size of its data with up to 64 bytes of it when they are text. Not a wire format: use
    /// ``CloudEventJSON`` for that.
    public var description: String {
        var parts = ["id: \(id)", "source: \(source)", "type: \(type)"]
        if let subject { parts.append("subject: \(subject)") }
        if let time { parts.append("time: \(RFC3339.format(time))") }
        if let dataContentType { parts.append("datacontenttype: \(dataContentType)") }
        if let dataSchema { parts.append("dataschema: \(dataSchema)") }
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) { parts.append("\(name): \(value)") }
        if let data {
            let preview = data.getString(at: data.readerIndex, length: min(64, data.readableBytes)).flatMap { text in
                text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } ? text : nil
            }
            let more = data.readableBytes > 64 ? "…" : ""
            parts.append("data: \(data.readableBytes) bytes" + (preview.map { " \"\($0)\(more)\"" } ?? ""))
        }
        return "Event(\(parts.joined(separator: ", ")))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }
}
