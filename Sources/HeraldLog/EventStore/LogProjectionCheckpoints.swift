import Foundation
import Herald
import HeraldEventSourcing
import NIOCore

/// Projection checkpoints in files beside an embedded event store: one file per projection holding its
/// model and position together, replaced atomically (written aside, synced, renamed) and CRC-checked, so
/// a crash leaves the previous save or the new one, and damage is found instead of taken at its word.
public final class LogProjectionCheckpoints: ProjectionCheckpoints {
    /// The largest checkpoint file read back: a bound against a damaged size.
    public static let maximumBytes: Int64 = 256 * 1024 * 1024

    /// The directory holding the files.
    public let directory: String
    private let fileSystem: any LogFileSystem

    /// Checkpoints in `directory` (created if missing).
    ///
    /// - Throws: ``StorageError`` when the directory cannot be created.
    public init(directory: String, fileSystem: any LogFileSystem = POSIXFileSystem()) throws {
        try fileSystem.createDirectory(directory)
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// The saved model and position of projection `name`, `nil` when none was saved.
    ///
    /// - Throws: ``StorageError`` naming the file when it is damaged (delete it to rebuild the projection
    ///   from zero) or cannot be read.
    public func load(_ name: String) async throws -> (model: Data, position: UInt64)? {
        let path = self.path(of: name)
        guard fileSystem.fileExists(path) else { return nil }
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        guard size <= Self.maximumBytes else {
            throw StorageError.corruption(
                path: path, position: 0, reason: "a checkpoint of \(size) bytes is larger than any Herald writes; delete it to rebuild from zero")
        }
        let body = try ChecksummedText.open(try file.read(count: Int(size), at: 0), path: path)
        let view = body.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")),
            let line = String(validating: view[view.startIndex..<newline], as: UTF8.self), line.hasPrefix("position "),
            let position = UInt64(line.dropFirst("position ".count))
        else {
            throw StorageError.corruption(path: path, position: 0, reason: "its first line is not 'position <n>'; delete it to rebuild from zero")
        }
        return (Data(view[view.index(after: newline)...]), position)
    }

    /// Replaces the saved model and position of `name` in one atomic step.
    ///
    /// - Throws: ``StorageError``; the previous save is then intact.
    public func save(_ name: String, model: Data, position: UInt64) async throws {
        var body = ByteBuffer(string: "position \(position)\n")
        body.writeBytes(model)
        try fileSystem.writeAtomically(ChecksummedText.seal(body), to: path(of: name))
    }

    /// `<directory>/<name>.checkpoint`, the name percent-encoded to one safe file name.
    private func path(of name: String) -> String {
        var safe = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "_"):
                safe.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                safe += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return "\(directory)/\(safe).checkpoint"
    }
}
