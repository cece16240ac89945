// Everything a program using PostgreSQL needs: `import HeraldPostgres` brings the Herald core (events,
// topics, consumers) with it.
@_exported import Herald
