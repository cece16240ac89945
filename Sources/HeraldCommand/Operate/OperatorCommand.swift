import ArgumentParser
import Foundation

/// What every operator command shares: a session to its broker, failures printed to standard error
/// with the exit code their kind has (``OperatorExit``).
protocol OperatorCommand: AsyncParsableCommand {
    var connection: ServerOptions { get }
}

extension OperatorCommand {
    /// Runs `body` with a session, closing it afterwards; a failure is printed and exits with its code.
    func withSession(_ body: (OperatorSession) async throws -> Void) async throws {
        let session: OperatorSession
        do {
            session = try await OperatorSession.open(connection)
        } catch let failure as OperatorFailure {
            StandardError.line("herald: \(failure.message)")
            throw ExitCode(failure.exitCode)
        }
        do {
            try await body(session)
        } catch let failure as OperatorFailure {
            await session.close()
            StandardError.line("herald: \(failure.message)")
            throw ExitCode(failure.exitCode)
        } catch {
            await session.close()
            throw error
        }
        await session.close()
    }
}

/// Percent-encodes a name for a URL path segment.
func pathSegment(_ name: String) -> String {
    name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
}

/// JSON text of a value, pretty and with sorted keys, for printing.
func prettyJSON(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
        return "\(value)"
    }
    return String(decoding: data, as: UTF8.self)
}
