// A helper for the crash tests: publishes to an embedded-log topic with fsync-before-ack from several
// concurrent publishers and prints every acknowledged receipt, one line each, until it is killed.
//
//     herald-crash-writer <data-directory> <run-id>
//     herald-crash-writer event-store <data-directory> <run-id>     (see EventStoreCrashWriter.swift)
//     herald-crash-writer event-store-check <data-directory>
//     herald-crash-writer timers-schedule <data-directory> <count>   (see TimerCrashWriter.swift)
//     herald-crash-writer timers-fire <data-directory>
//
// Each line is `ACK <partition> <offset> <publisher> <run-id> <sequence>`, written to stdout only after the
// publish returned (its durability policy met). The event's subject (its partition key) is
// `publisher-<publisher>` and its data `<publisher>:<run-id>:<sequence>`.
import Foundation
import Herald
import HeraldLog
import NIOCore

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "event-store" {
    try await EventStoreCrashWriter(directory: arguments[2], runID: arguments[3]).run()
    exit(0)
}
if arguments.count == 4, arguments[1] == "timers-schedule", let count = Int(arguments[3]) {
    try await TimerCrashWriter(directory: arguments[2]).schedule(count: count)
    exit(0)
}
if arguments.count == 3, arguments[1] == "timers-fire" {
    try await TimerCrashWriter(directory: arguments[2]).fire()
    exit(0)
}
if arguments.count == 3, arguments[1] == "event-store-check" {
    try await EventStoreCrashCheck(directory: arguments[2]).run()
    exit(0)
}
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: herald-crash-writer <data-directory> <run-id>\n".utf8))
    exit(2)
}
let runID = arguments[2]
let publishers = 4
let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: arguments[1], segmentBytes: 256 * 1024))
try await broker.createTopic(TopicConfiguration(name: "crash", partitions: 2))
let output = FileHandle.standardOutput

await withThrowingTaskGroup(of: Void.self) { group in
    for publisher in 0..<publishers {
        group.addTask {
            var sequence = 0
            while true {
                let event = try Event(
                    id: "\(publisher)-\(runID)-\(sequence)",
                    source: "/crash-writer",
                    type: "crash.test.v1",
                    subject: "publisher-\(publisher)",
                    data: ByteBuffer(string: "\(publisher):\(runID):\(sequence)")
                )
                let receipt = try await broker.publish(event, to: "crash")
                output.write(Data("ACK \(receipt.partition.index) \(receipt.offset.value) \(publisher) \(runID) \(sequence)\n".utf8))
                sequence += 1
            }
        }
    }
    try? await group.waitForAll()
}
