// swift-tools-version:6.2
import PackageDescription

// Strict Swift 6 everywhere; the upcoming features keep imports honest across modules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "weimin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "weimin", targets: ["weimin"]),
        .library(name: "WeiminCore", targets: ["WeiminCore"]),
        .library(name: "WeiminPersistence", targets: ["WeiminPersistence"]),
        .library(name: "WeiminServer", targets: ["WeiminServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        // Tracing, off unless tracing.endpoint is set: OTLP over HTTP only (the gRPC exporter's build is left out).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The domain: pure values and rules. No framework imports, so its tests build in seconds.
        .target(
            name: "WeiminCore",
            // The official holiday calendar (holiday-cn, MIT) and the word list for segmenting (from jieba, MIT);
            // each LICENSE travels with its data.
            resources: [.copy("Resources/holiday-cn"), .copy("Resources/lexicon")],
            swiftSettings: swiftSettings
        ),
        // FluentKit models, migrations and repositories for SQLite (embedded) and PostgreSQL.
        .target(
            name: "WeiminPersistence",
            dependencies: [
                "WeiminCore",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Use cases: one type each, owning its transaction, asking Core to decide and repositories to read and write.
        .target(
            name: "WeiminApp",
            dependencies: ["WeiminCore", "WeiminPersistence", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // HTTP: buildApplication, request context, controllers, background services.
        .target(
            name: "WeiminServer",
            dependencies: [
                "WeiminCore",
                "WeiminPersistence",
                "WeiminApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            resources: [
                .copy("Resources/triage.wmtm"), .copy("Resources/triage-corpus.tsv"), .copy("Resources/Views"),
                .copy("Resources/openapi.json"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks, the load generator and the loopback fake robot servers: shipped in the `weimin` binary
        // for `weimin bench …` and used by the tests, but not part of the server library.
        .target(
            name: "WeiminBench",
            dependencies: [
                "WeiminApp",
                "WeiminCore",
                "WeiminPersistence",
                "WeiminServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: parses arguments and calls into the modules above.
        .executableTarget(
            name: "weimin",
            dependencies: [
                "WeiminApp",
                "WeiminCore",
                "WeiminPersistence",
                "WeiminServer",
                "WeiminBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets (which databases to test on, a fresh database per test). A regular
        // target, so it sees only the product modules' public API; what needs @testable stays in the test targets.
        .target(
            name: "WeiminTestSupport",
            dependencies: [
                "WeiminApp",
                "WeiminPersistence",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/WeiminTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeiminCoreTests",
            dependencies: ["WeiminCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeiminPersistenceTests",
            dependencies: [
                "WeiminTestSupport",
                "WeiminApp",
                "WeiminCore",
                "WeiminPersistence",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeiminServerTests",
            dependencies: [
                "WeiminTestSupport",
                "WeiminApp",
                "WeiminCore",
                "WeiminPersistence",
                "WeiminServer",
                "WeiminBench",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
