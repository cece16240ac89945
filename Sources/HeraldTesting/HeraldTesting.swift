// Everything a test needs: `import HeraldTesting` brings the Herald core (events, topics, consumers) with it.
@_exported import Herald
