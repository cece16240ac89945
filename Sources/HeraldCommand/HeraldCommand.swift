import ArgumentParser

/// The `herald` command: run, inspect and measure Herald.
@main
struct HeraldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald: event-driven messaging for Swift on the server.",
        discussion: """
            Run `herald demo` to watch a coffee shop's events flow through Herald, retries, dead letters and \
            stopped duplicates included. `herald bench` measures the broker in release mode. `herald serve` serves a broker over HTTP. `herald verify` runs the demo's handlers under every misconception of the event-driven checklist.
            """,
        version: HeraldVersion.current,
        subcommands: [
            DemoCommand.self, BenchCommand.self, ServeCommand.self, TokenCommand.self, TopicsCommand.self, GroupsCommand.self, DeadLetterCommand.self,
            PublishCommand.self, TailCommand.self, EventsCommand.self, FlowCommand.self, TraceCommand.self, VerifyCommand.self,
        ]
    )
}

/// The version the command reports.
enum HeraldVersion {
    static let current = "0.1.0"
}
