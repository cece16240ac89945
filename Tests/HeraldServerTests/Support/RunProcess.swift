import Foundation

/// Runs a program to its end on a thread of its own, with `input` on its standard input; its exit status,
/// standard output and standard error (collected in a temporary file, so neither stream can fill up and
/// block the program while the other is read).
func runProcess(
    _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
) async throws -> (
    status: Int32, output: String, error: String
) {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("herald-stderr-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: errorPath) }
            let output = Pipe()
            let stdin = Pipe()
            do {
                _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
                let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
                process.standardOutput = output
                process.standardError = errorFile
                process.standardInput = stdin
                try process.run()
                try? errorFile.close()
                if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
                try? stdin.fileHandleForWriting.close()
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let errorText = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
                continuation.resume(returning: (process.terminationStatus, String(decoding: outputData, as: UTF8.self), errorText))
            } catch {
                continuation.resume(throwing: error)
            }
        }.start()
    }
}
