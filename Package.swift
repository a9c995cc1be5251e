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
        .library(name: "ContinuumJSON", targets: ["ContinuumJSON"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        // The `continuum` command line.
        .executableTarget(
            name: "continuum",
            dependencies: [
                "ContinuumCore",
                "ContinuumJSON",
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
            dependencies: ["ContinuumCore", "ContinuumJSON", "CJSONCBaseline"],
            path: "Benchmarks/continuum-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumJSONTests",
            dependencies: ["ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumCoreTests",
            dependencies: ["ContinuumCore", "ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
        // Runs the built `continuum` binary as a user would: exit codes, stdout, stderr.
        .testTarget(
            name: "ContinuumCommandTests",
            dependencies: ["continuum", "ContinuumJSON"],
            swiftSettings: swiftSettings
        ),
    ]
)
