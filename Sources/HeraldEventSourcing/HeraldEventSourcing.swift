// HeraldEventSourcing: aggregates rebuilt from their streams, repositories with snapshots and conflict
// retries, on any `EventStore` (the protocol and its in-memory backend live in `Herald`, so that every
// backend module can implement it without depending on this one).
