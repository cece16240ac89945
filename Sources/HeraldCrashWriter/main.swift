// A helper for the crash test: appends to one partition of an embedded log with fsync-before-ack from
// several concurrent writers and prints every acknowledged append, one line each, until it is killed.
//
//     herald-crash-writer <directory> <run-id>
//
// Each line is `ACK <offset> <writer> <run-id> <sequence>`, written to stdout only after the append's
// durability policy was met. The record's key is `writer-<writer>` and its value `<writer>:<run-id>:<sequence>`.
import Foundation
import Herald
import HeraldLog
import Logging
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: herald-crash-writer <directory> <run-id>\n".utf8))
    exit(2)
}
let directory = arguments[1]
let runID = arguments[2]
let writers = 4

let pool = NIOThreadPool(numberOfThreads: 2)
pool.start()
let writer = try CrashTestLog.openWriter(directory: directory, threadPool: pool)
let output = FileHandle.standardOutput

await withThrowingTaskGroup(of: Void.self) { group in
    for index in 0..<writers {
        group.addTask {
            var sequence = 0
            while true {
                let value = "\(index):\(runID):\(sequence)"
                let offset = try await writer.append(key: "writer-\(index)", value: value)
                output.write(Data("ACK \(offset.value) \(index) \(runID) \(sequence)\n".utf8))
                sequence += 1
            }
        }
    }
    try? await group.waitForAll()
}
