import Herald
import Testing

@Suite("Extension attribute names and Event validation")
struct ExtensionNameTests {
    static let validNames = ["a", "0", "traceparent", "comexampleextension1", "x9y8", "abcdefghijklmnopqrst"]

    static let invalidNames = [
        "", "Uppercase", "ABC", "with_underscore", "with-hyphen", "with.dot", "with space", "café",
        "abcdefghijklmnopqrstu",
    ]

    @Test("valid names are accepted", arguments: validNames)
    func validName(name: String) throws {
        try ExtensionAttributeName.validate(name)
        #expect(ExtensionAttributeName(rawValue: name)?.rawValue == name)
    }

    @Test("invalid names are rejected, naming the attribute", arguments: invalidNames)
    func invalidName(name: String) {
        let error = expectCloudEventError(.invalidExtensionName(name, reason: "")) {
            try ExtensionAttributeName.validate(name)
        }
        #expect(error?.message.contains("'\(name)'") == true)
        #expect(ExtensionAttributeName(rawValue: name) == nil)
    }

    @Test("a name longer than 20 characters is rejected for its length")
    func tooLong() {
        let error = expectCloudEventError(.invalidExtensionName("abcdefghijklmnopqrstu", reason: "")) {
            try ExtensionAttributeName.validate("abcdefghijklmnopqrstu")
        }
        #expect(error?.message.contains("longer than 20") == true)
    }

    @Test("context attribute names are reserved", arguments: ExtensionAttributeName.reservedNames.sorted())
    func reservedName(name: String) {
        expectCloudEventError(.invalidExtensionName(name, reason: "")) {
            try ExtensionAttributeName.validate(name)
        }
    }

    @Test("Herald's own extension names are valid")
    func knownNames() throws {
        let known: [ExtensionAttributeName] = [
            .partitionKey, .traceParent, .traceState, .correlationID, .causationID, .idempotencyKey,
        ]
        for name in known {
            try ExtensionAttributeName.validate(name.rawValue)
        }
    }

    @Test("Event.init rejects an invalid extension name", arguments: invalidNames + ["data", "subject"])
    func eventInitRejectsInvalidExtension(name: String) {
        expectCloudEventError(.invalidExtensionName(name, reason: "")) {
            _ = try Event(id: "1", source: "/s", type: "t", extensions: [name: "v"])
        }
    }

    @Test("Event.init accepts valid extension names")
    func eventInitAcceptsValidExtensions() throws {
        let extensions = Dictionary(uniqueKeysWithValues: Self.validNames.map { ($0, "v-\($0)") })
        let event = try Event(id: "1", source: "/s", type: "t", extensions: extensions)
        #expect(event.extensions == extensions)
    }

    @Test("setExtension validates the name and nil removes it")
    func setExtension() throws {
        var event = try Event(id: "1", source: "/s", type: "t")
        try event.setExtension("correlationid", to: "c-1")
        #expect(event.extensionValue("correlationid") == "c-1")
        try event.setExtension("correlationid", to: nil)
        #expect(event.extensionValue("correlationid") == nil)
        expectCloudEventError(.invalidExtensionName("Bad", reason: "")) {
            try event.setExtension("Bad", to: "x")
        }
    }

    @Test("Event.init rejects an empty required attribute", arguments: ["id", "source", "type"])
    func eventInitRejectsEmpty(name: String) {
        let error = expectCloudEventError(.emptyAttribute(name)) {
            _ = try Event(
                id: name == "id" ? "" : "1",
                source: name == "source" ? "" : "/s",
                type: name == "type" ? "" : "t"
            )
        }
        #expect(error?.message == "attribute '\(name)' must not be empty")
    }
}
