import HeraldLog
import Logging
import ServiceLifecycle

let log = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: "/var/lib/herald"))
try await log.createTopic(
    TopicConfiguration(name: "orders", partitions: 4),
    options: LogTopicOptions(durability: .fsyncBeforeAcknowledge, retentionAge: .seconds(7 * 24 * 3600))
)
// Use it like any Broker. Run it first in your ServiceGroup, your consumers after it: interval syncs, age
// retention and consumer group checkpoints happen while it runs, and on shutdown it checkpoints and closes
// after your consumers have settled.
let services = ServiceGroup(
    configuration: .init(services: [log], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "app"))
)
try await services.run()
