import ArgumentParser
import Foundation
import HeraldPostgres
import Logging

/// Runs a command's broker on PostgreSQL: `--postgres URL` for the primary, `--postgres-read URL` for a
/// streaming replica serving the reads that may lag.
enum PostgresRun {
    /// Broker options for the URLs and schema, or a usage error naming the bad URL.
    static func options(url: String, readURL: String?, schema: String) throws -> PostgresBrokerOptions {
        do {
            return PostgresBrokerOptions(primary: try PostgresURL(url), replica: try readURL.map(PostgresURL.init), schema: schema)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// A schema of this run's own, `<label>_<random tag>`, so that a run starts from empty topics however
    /// often it is repeated against one database.
    static func schema(label: String) -> String {
        "\(label)_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
    }

    /// Drops the run's schema, then closes `broker`; failures are reported, not thrown.
    static func finish(_ broker: PostgresBroker) async {
        do {
            try await broker.dropSchema()
        } catch {
            print("warning: could not drop the schema \(broker.options.schema): \(error)")
            await broker.close()
        }
    }
}
