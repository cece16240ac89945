// swift-tools-version: 6.1
import PackageDescription

/// Strict settings shared by every target: Swift 6 mode is the package default;
/// these add the upcoming features the style guide asks for.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The README's examples compile as a user's package would: Swift 6 language mode, no upcoming features.
let exampleSettings: [SwiftSetting] = []

/// The external products targets use, named once.
enum Dependency {
    static let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
    static let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
    static let metricsTestKit = Target.Dependency.product(name: "MetricsTestKit", package: "swift-metrics")
    static let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
    static let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
    static let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
    static let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
    static let nioFoundationCompat = Target.Dependency.product(name: "NIOFoundationCompat", package: "swift-nio")
    static let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
    static let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
    static let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")
    static let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
    static let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")
    static let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
    static let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
    static let hummingbirdTLS = Target.Dependency.product(name: "HummingbirdTLS", package: "hummingbird")
    static let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
    static let httpClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
    static let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
    static let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
}

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Herald", targets: ["Herald"]),
        .library(name: "HeraldLog", targets: ["HeraldLog"]),
        .library(name: "HeraldTesting", targets: ["HeraldTesting"]),
        .library(name: "HeraldNATS", targets: ["HeraldNATS"]),
        .library(name: "HeraldServer", targets: ["HeraldServer"]),
        .library(name: "HeraldPostgres", targets: ["HeraldPostgres"]),
        .library(name: "HeraldEventSourcing", targets: ["HeraldEventSourcing"]),
        .executable(name: "herald", targets: ["HeraldCommand"]),
        .executable(name: "herald-crash-writer", targets: ["HeraldCrashWriter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "Herald",
            dependencies: [
                Dependency.logging,
                Dependency.metrics,
                Dependency.tracing,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
                Dependency.nioFoundationCompat,
                Dependency.deque,
                Dependency.heap,
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "CHeraldCRC32C"),
        .target(
            name: "HeraldLog",
            dependencies: [
                "Herald",
                "HeraldEventSourcing",
                "CHeraldCRC32C",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                Dependency.logging,
                Dependency.metrics,
                Dependency.nioCore,
                Dependency.nioPosix,
                Dependency.nioFoundationCompat,
                Dependency.deque,
                Dependency.serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldNATS",
            dependencies: [
                "Herald",
                Dependency.logging,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
                Dependency.nioPosix,
                Dependency.nioSSL,
                Dependency.nioFoundationCompat,
                Dependency.deque,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldServer",
            dependencies: [
                "Herald",
                Dependency.hummingbird,
                Dependency.hummingbirdTLS,
                Dependency.nioSSL,
                Dependency.httpTypes,
                Dependency.httpClient,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                Dependency.crypto,
                Dependency.prometheus,
                Dependency.metrics,
                Dependency.logging,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
                Dependency.nioFoundationCompat,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldEventSourcing",
            dependencies: ["Herald", Dependency.logging, Dependency.metrics, Dependency.nioCore, Dependency.serviceLifecycle],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldPostgres",
            dependencies: [
                "Herald",
                Dependency.postgres,
                Dependency.logging,
                Dependency.metrics,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldTesting",
            dependencies: [
                "Herald",
                Dependency.logging,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "HeraldCommand",
            dependencies: [
                "Herald",
                "HeraldEventSourcing",
                "HeraldLog",
                "HeraldNATS",
                "HeraldPostgres",
                "HeraldServer",
                "HeraldTesting",
                Dependency.argumentParser,
                Dependency.prometheus,
                Dependency.metrics,
                Dependency.httpClient,
                Dependency.nioSSL,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                Dependency.unixSignals,
                Dependency.deque,
                Dependency.histogram,
                Dependency.logging,
                Dependency.nioCore,
                Dependency.serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldTests",
            dependencies: [
                "Herald",
                "HeraldTesting",
                Dependency.logging,
                Dependency.metrics,
                Dependency.metricsTestKit,
                Dependency.tracing,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
                Dependency.nioFoundationCompat,
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "HeraldCrashWriter",
            dependencies: ["Herald", "HeraldLog", "HeraldEventSourcing", Dependency.nioCore],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "HeraldPostgresProbe",
            dependencies: ["Herald", "HeraldPostgres", Dependency.postgres, Dependency.logging, Dependency.nioCore],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldLogTests",
            dependencies: [
                "Herald",
                "HeraldLog",
                "HeraldEventSourcing",
                "HeraldCrashWriter",
                "HeraldTesting",
                Dependency.logging,
                Dependency.nioCore,
                Dependency.nioPosix,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldServerTests",
            dependencies: [
                "Herald",
                "HeraldEventSourcing",
                "HeraldLog",
                "HeraldServer",
                "HeraldTesting",
                Dependency.httpClient,
                Dependency.logging,
                Dependency.nioCore,
                Dependency.nioFoundationCompat,
                Dependency.nioSSL,
                Dependency.hummingbird,
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Interop/cloudevents_interop.py", "Interop/cloudevents_receiver.py", "Dashboard/dashboard_browser.py"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldEventSourcingTests",
            dependencies: [
                "Herald", "HeraldEventSourcing", "HeraldTesting", Dependency.logging, Dependency.metrics, Dependency.metricsTestKit, Dependency.nioCore,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldPostgresTests",
            dependencies: [
                "Herald",
                "HeraldPostgres",
                "HeraldPostgresProbe",
                "ReadmePostgresOutboxInbox",
                "HeraldTesting",
                Dependency.postgres,
                Dependency.logging,
                Dependency.metricsTestKit,
                Dependency.nioCore,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldNATSTests",
            dependencies: [
                "Herald",
                "HeraldNATS",
                "HeraldTesting",
                Dependency.logging,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
                Dependency.nioPosix,
                Dependency.nioSSL,
            ],
            exclude: ["Interop/nats_interop.py"],
            swiftSettings: strictSettings
        ),
        // The README's examples, compiled exactly as printed (scripts/check-readme.py checks they match).
        .executableTarget(
            name: "ReadmeQuickStart",
            dependencies: ["Herald", Dependency.logging, Dependency.serviceLifecycle],
            path: "Examples/QuickStart",
            swiftSettings: exampleSettings
        ),
        .executableTarget(
            name: "ReadmeEmbeddedLog",
            dependencies: ["HeraldLog", Dependency.logging, Dependency.serviceLifecycle],
            path: "Examples/EmbeddedLog",
            swiftSettings: exampleSettings
        ),
        .executableTarget(
            name: "ReadmeNATSQuickStart",
            dependencies: ["HeraldNATS", Dependency.logging, Dependency.serviceLifecycle],
            path: "Examples/NATSQuickStart",
            swiftSettings: exampleSettings
        ),
        .executableTarget(
            name: "ReadmePostgresOutboxInbox",
            dependencies: ["Herald", "HeraldPostgres", Dependency.postgres, Dependency.logging, Dependency.serviceLifecycle],
            path: "Examples/PostgresOutboxInbox",
            swiftSettings: exampleSettings
        ),
        .testTarget(
            name: "HeraldTestingTests",
            dependencies: [
                "Herald",
                "HeraldTesting",
                Dependency.logging,
                Dependency.serviceLifecycle,
                Dependency.nioCore,
            ],
            swiftSettings: strictSettings
        ),
    ]
)
