import Foundation
import Herald

extension FlowMap {
    /// The map as the `GET /flow` document: nodes (services, event types, topics, groups) and edges, each
    /// sorted so that the same traffic gives the same bytes.
    var document: JSONValue {
        func tally(_ tally: Tally) -> [String: JSONValue] {
            ["count": .integer(tally.count), "lastSeen": .string(RFC3339.format(tally.lastSeen))]
        }
        let published = publications.sorted { ($0.key.source, $0.key.type, $0.key.topic) < ($1.key.source, $1.key.type, $1.key.topic) }
        let reacted = reactions.sorted { ($0.key.cause, $0.key.service, $0.key.reaction) < ($1.key.cause, $1.key.service, $1.key.reaction) }
        let consumed = consumptions.sorted { ($0.topic, $0.group) < ($1.topic, $1.group) }
        return .object([
            "services": .array(services.map(JSONValue.string)),
            "types": .array(types.map(JSONValue.string)),
            "topics": .array(topics.map(JSONValue.string)),
            "groups": .array(Set(consumptions.map(\.group)).sorted().map(JSONValue.string)),
            "publications": .array(
                published.map { edge, seen in
                    .object(
                        ["source": .string(edge.source), "type": .string(edge.type), "topic": .string(edge.topic)].merging(tally(seen)) { $1 })
                }),
            "reactions": .array(
                reacted.map { edge, seen in
                    .object(
                        ["cause": .string(edge.cause), "service": .string(edge.service), "reaction": .string(edge.reaction)].merging(tally(seen)) {
                            $1
                        })
                }),
            "consumptions": .array(consumed.map { .object(["topic": .string($0.topic), "group": .string($0.group)]) }),
            "dropped": .integer(dropped),
        ])
    }

    /// The map as a Mermaid flowchart: services publish event types to topics, groups consume topics,
    /// and a dotted arrow runs from a type to the service that reacted to it.
    var mermaid: String {
        var ids: [String: String] = [:]
        func id(_ kind: String, _ name: String) -> String {
            let key = "\(kind):\(name)"
            if let known = ids[key] { return known }
            let made = "\(kind)\(ids.count)"
            ids[key] = made
            return made
        }
        func label(_ text: String) -> String {
            text.replacingOccurrences(of: "\"", with: "#quot;")
        }
        var lines = ["flowchart LR"]
        for service in services { lines.append("    \(id("s", service))([\"\(label(service))\"])") }
        for type in types { lines.append("    \(id("e", type))[/\"\(label(type))\"/]") }
        for topic in topics { lines.append("    \(id("t", topic))[(\"\(label(topic))\")]") }
        for group in Set(consumptions.map(\.group)).sorted() { lines.append("    \(id("g", group))[[\"\(label(group))\"]]") }
        let published = publications.keys.sorted { ($0.source, $0.type, $0.topic) < ($1.source, $1.type, $1.topic) }
        var drawn = Set<String>()
        func edge(_ line: String) {
            if drawn.insert(line).inserted { lines.append(line) }
        }
        for edgeSeen in published {
            edge("    \(id("s", edgeSeen.source)) --> \(id("e", edgeSeen.type))")
            edge("    \(id("e", edgeSeen.type)) --> \(id("t", edgeSeen.topic))")
        }
        for consumption in consumptions.sorted(by: { ($0.topic, $0.group) < ($1.topic, $1.group) }) {
            edge("    \(id("t", consumption.topic)) --> \(id("g", consumption.group))")
        }
        for reaction in reactions.keys.sorted(by: { ($0.cause, $0.service) < ($1.cause, $1.service) }) where ids["e:\(reaction.cause)"] != nil {
            edge("    \(id("e", reaction.cause)) -.-> \(id("s", reaction.service))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What was observed as an AsyncAPI 3.0 document: a channel per topic, a message per event type seen
    /// there, and per service a `send` operation for each channel it published to (and a `receive` per
    /// consuming group).
    var asyncAPI: JSONValue {
        var channels: [String: JSONValue] = [:]
        var operations: [String: JSONValue] = [:]
        var messages: [String: JSONValue] = [:]
        func name(_ text: String) -> String {
            String(text.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
        for topic in topics {
            let typesHere = Set(publications.keys.filter { $0.topic == topic }.map(\.type)).sorted()
            var channelMessages: [String: JSONValue] = [:]
            for type in typesHere {
                messages[name(type)] = .object(["name": .string(type), "title": .string(type), "contentType": .string("application/json")])
                channelMessages[name(type)] = .object(["$ref": .string("#/components/messages/\(name(type))")])
            }
            channels[name(topic)] = .object(["address": .string(topic), "messages": .object(channelMessages)])
        }
        let sends = Set(publications.keys.map { FlowMap.Consumption(topic: $0.topic, group: $0.source) })
        for send in sends.sorted(by: { ($0.group, $0.topic) < ($1.group, $1.topic) }) {
            operations["\(name(send.group))_sends_\(name(send.topic))"] = .object([
                "action": .string("send"), "title": .string("\(send.group) publishes to \(send.topic)"),
                "channel": .object(["$ref": .string("#/channels/\(name(send.topic))")]),
            ])
        }
        for consumption in consumptions {
            operations["\(name(consumption.group))_receives_\(name(consumption.topic))"] = .object([
                "action": .string("receive"), "title": .string("\(consumption.group) consumes \(consumption.topic)"),
                "channel": .object(["$ref": .string("#/channels/\(name(consumption.topic))")]),
            ])
        }
        return .object([
            "asyncapi": .string("3.0.0"),
            "info": .object([
                "title": .string("Herald: the flow observed"), "version": .string("observed"),
                "description": .string("What herald serve saw of its traffic: the topics, the event types published to each, who published and who consumed."),
            ]),
            "channels": .object(channels),
            "operations": .object(operations),
            "components": .object(["messages": .object(messages)]),
        ])
    }
}
