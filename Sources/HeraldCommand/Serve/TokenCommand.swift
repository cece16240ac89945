import ArgumentParser
import HeraldServer

/// `herald token`: a new bearer token for `herald serve`, and the configuration entry that accepts it.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make a new access token for herald serve and print its configuration entry.",
        discussion: """
            Prints a random token (256 bits) once, and the entry to add to the server configuration's \
            access.tokens: the server keeps only the token's SHA-256 digest. Give the token to the client; \
            it sends it as 'Authorization: Bearer <token>'.
            """
    )

    @Option(help: "Who holds the token, as logs and the audit log name them.")
    var name: String

    @Option(help: "The topics it covers: a name, with * for any characters.")
    var topics = "*"

    @Option(parsing: .upToNextOption, help: "What it may do: publish, consume, admin (several allowed).")
    var permissions: [String] = ["publish", "consume"]

    func validate() throws {
        do {
            _ = try TopicPattern(topics)
        } catch {
            throw ValidationError("--topics: \(error)")
        }
        for permission in permissions where AccessPermission(rawValue: permission) == nil {
            throw ValidationError("--permissions: '\(permission)' is not one of publish, consume, admin")
        }
        guard !name.isEmpty, !name.contains("\"") else { throw ValidationError("--name must be a non-empty name without quotes") }
    }

    func run() throws {
        let token = TokenDigest.newToken()
        let list = permissions.map { "\"\($0)\"" }.joined(separator: ", ")
        print("token:  \(token)")
        print(
            "entry:  { \"name\": \"\(name)\", \"sha256\": \"\(TokenDigest.sha256(of: token))\", \"grants\": [ { \"topics\": \"\(topics)\", \"permissions\": [\(list)] } ] }"
        )
    }
}
