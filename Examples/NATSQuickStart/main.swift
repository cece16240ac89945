import HeraldNATS
import Logging
import ServiceLifecycle

let broker = try await NATSBroker.connect(servers: ["nats://127.0.0.1:4222"])
try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
// Use it like any Broker. Run it first in your ServiceGroup, your consumers after it: on shutdown they
// settle first, then it gives the deliveries it still holds back to the server at once.
let services = ServiceGroup(
    configuration: .init(services: [broker], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "app"))
)
try await services.run()
