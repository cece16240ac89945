// Everything a program using NATS JetStream needs: `import HeraldNATS` brings the Herald core (events,
// topics, consumers) with it.
@_exported import Herald
