// swift-tools-version: 6.0
import PackageDescription

/// One set of compiler settings for every target of ours (Hummingbird's habit).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Continuum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "continuum", targets: ["continuum"]),
        .library(name: "ContinuumCore", targets: ["ContinuumCore"]),
        .library(name: "ContinuumAPI", targets: ["ContinuumAPI"]),
        .library(name: "ContinuumJSON", targets: ["ContinuumJSON"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // json-c, seen only by ContinuumJSON.
        .systemLibrary(
            name: "CJSONC",
            pkgConfig: "json-c",
            providers: [.apt(["libjson-c-dev", "pkg-config"])]
        ),
        // Bytes <-> values: strict parsing with limits, a Codable Decoder/Encoder, serialisation.
        .target(
            name: "ContinuumJSON",
            dependencies: ["CJSONC"],
            swiftSettings: swiftSettings
        ),
        // The domain, pure: referral message, pathway, verifier, router, case state machine, calendar.
        .target(
            name: "ContinuumCore",
            dependencies: ["ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        // The wire contract: request and response types of the HTTP API, with enums for statuses,
        // phases and event kinds. The server encodes them, the client decodes the same ones.
        .target(
            name: "ContinuumAPI",
            dependencies: ["ContinuumCensus", "ContinuumCore", "ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        // The children in need census (issue 18), pure: episodes from the log's census facts, the
        // DfE's XML, the validation rules and the data-quality list.
        .target(
            name: "ContinuumCensus",
            dependencies: ["ContinuumCore"],
            swiftSettings: swiftSettings
        ),
        // The system of record: the hash-chained event log, projections, tokens, on SQLite (GRDB).
        .target(
            name: "ContinuumStore",
            dependencies: [
                "ContinuumAPI",
                "ContinuumCensus",
                "ContinuumCore",
                "ContinuumJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C interface GRDB is built on: the WAL hook (WALCheckpointer).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store (issue 17): the log of record, the data keys and the access log in a
        // database several routers share; each router keeps its projections in a local SQLite replica.
        .target(
            name: "ContinuumPostgres",
            dependencies: [
                "ContinuumAPI",
                "ContinuumCore",
                "ContinuumJSON",
                "ContinuumStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API (Hummingbird 2): partner and staff routes, tokens and roles, problem+json, metrics.
        .target(
            name: "ContinuumServer",
            dependencies: [
                "ContinuumCensus",
                "ContinuumAPI",
                "ContinuumCore",
                "ContinuumJSON",
                "ContinuumStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Discrete-event demand simulation on the pathway: scenarios, engine, statistics, charts.
        .target(
            name: "ContinuumSimulator",
            dependencies: ["ContinuumCore", "ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        // Planners' forecasting (issue 19): a simulated history written as a real event log,
        // calibration of a scenario from a log, forecasts from the cases open on a day, backtests.
        .target(
            name: "ContinuumForecast",
            dependencies: ["ContinuumAPI", "ContinuumCore", "ContinuumJSON", "ContinuumSimulator", "ContinuumStore"],
            swiftSettings: swiftSettings
        ),
        // A client of the staff API (triage CLI; later the load test), over AsyncHTTPClient.
        .target(
            name: "ContinuumClient",
            dependencies: [
                "ContinuumAPI",
                "ContinuumCore",
                "ContinuumJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `continuum loadtest`: the simulator's demand, in real time, against the live service.
        .target(
            name: "ContinuumLoadTest",
            dependencies: [
                "ContinuumSimulator",
                "ContinuumClient",
                "ContinuumCore",
                "ContinuumJSON",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `continuum` command line.
        .executableTarget(
            name: "continuum",
            dependencies: [
                "ContinuumCensus",
                "ContinuumAPI",
                "ContinuumCore",
                "ContinuumForecast",
                "ContinuumJSON",
                "ContinuumStore",
                "ContinuumPostgres",
                "ContinuumServer",
                "ContinuumClient",
                "ContinuumSimulator",
                "ContinuumLoadTest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench`: json-c from C (the ceiling) against our pipeline and Foundation's JSONDecoder.
        .target(
            name: "CJSONCBaseline",
            dependencies: ["CJSONC"],
            path: "Benchmarks/CJSONCBaseline"
        ),
        .executableTarget(
            name: "continuum-bench",
            dependencies: ["ContinuumCore", "ContinuumJSON", "ContinuumStore", "CJSONCBaseline"],
            path: "Benchmarks/continuum-bench",
            swiftSettings: swiftSettings
        ),
        // `make bench`: the indicators over a large generated log (issue 7's goal).
        .executableTarget(
            name: "report-bench",
            dependencies: ["ContinuumAPI", "ContinuumCore", "ContinuumStore", "ContinuumSimulator"],
            path: "Benchmarks/report-bench",
            swiftSettings: swiftSettings
        ),
        // `make bench`: the children in need census over a large council's year (issue 18's goal).
        .executableTarget(
            name: "census-bench",
            dependencies: ["ContinuumAPI", "ContinuumCensus", "ContinuumCore", "ContinuumStore", "ContinuumSimulator", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/census-bench",
            swiftSettings: swiftSettings
        ),
        // `make bench`: calibrating a million-referral log and a 1,000-replication forecast (issue 19's goals).
        .executableTarget(
            name: "forecast-bench",
            dependencies: ["ContinuumCore", "ContinuumForecast", "ContinuumJSON", "ContinuumSimulator", "ContinuumStore"],
            path: "Benchmarks/forecast-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumJSONTests",
            dependencies: ["ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumCoreTests",
            dependencies: ["ContinuumCore", "ContinuumJSON", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: fixtures, a real server on a loopback port, log capture.
        .target(
            name: "ContinuumTesting",
            dependencies: [
                "ContinuumAPI",
                "ContinuumServer",
                "ContinuumStore",
                "ContinuumPostgres",
                "ContinuumCore",
                "ContinuumJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ContinuumTesting",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumSimulatorTests",
            dependencies: ["ContinuumSimulator", "ContinuumJSON", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumForecastTests",
            dependencies: ["ContinuumForecast", "ContinuumSimulator", "ContinuumStore", "ContinuumCore", "ContinuumJSON", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumStoreTests",
            dependencies: ["ContinuumAPI", "ContinuumCensus", "ContinuumStore", "ContinuumCore", "ContinuumJSON", "ContinuumTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumPostgresTests",
            dependencies: ["ContinuumPostgres"],
            swiftSettings: swiftSettings
        ),
        // End to end: the real server on a loopback port over a real SQLite file, through HTTP.
        .testTarget(
            name: "ContinuumServerTests",
            dependencies: [
                "ContinuumAPI",
                "ContinuumServer",
                "ContinuumStore",
                "ContinuumCore",
                "ContinuumJSON",
                "ContinuumTesting",
                "ContinuumPostgres",
                "ContinuumLoadTest",
                "ContinuumSimulator",
                "continuum",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The pinned outputs are read by path (#filePath), not bundled.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        // Runs the built `continuum` binary as a user would: exit codes, stdout, stderr.
        .testTarget(
            name: "ContinuumCommandTests",
            dependencies: ["continuum", "ContinuumCore", "ContinuumJSON", "ContinuumStore", "ContinuumTesting", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
    ]
)
