// Everything a program using the embedded log needs: `import HeraldLog` brings the Herald core (events,
// topics, consumers) with it.
@_exported import Herald
