// swift-tools-version: 6.1
import PackageDescription

/// `Lifetimes` lets a borrowed view (`TableRow`, and the `Span` of a field it hands out) say what it borrows from, so
/// that the compiler, not a comment, keeps it from outliving the reader's buffer.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableExperimentalFeature("Lifetimes"),
]

let package = Package(
    name: "rehabcount",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rehabcount", targets: ["rehabcount"]),
        .library(name: "RehabPipeline", targets: ["RehabPipeline"]),
        .library(name: "RehabValidate", targets: ["RehabValidate"]),
        .library(name: "RehabIngest", targets: ["RehabIngest"]),
        .library(name: "RehabSample", targets: ["RehabSample"]),
        .library(name: "RehabCore", targets: ["RehabCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // MARK: - Core: shared vocabulary, no I/O policy
        .target(
            name: "RehabCore",
            dependencies: [
                "CRehabSHA256",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // SHA-256 block compression with the x86-64 SHA extensions, for RehabCore's pseudonyms.
        .target(name: "CRehabSHA256"),

        // A prefetch hint for the validator's hash tables.
        .target(name: "CRehabMemory"),

        // zlib, for writing workbooks: ZIPFoundation on Linux links the same library, but fixes its level.
        .systemLibrary(
            name: "CRehabZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // MARK: - Database: the only module that imports libpq
        // libpq's client API, loaded on the first connection (no libpq header or library at build time).
        .target(name: "CLibPQ", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "RehabDatabase",
            dependencies: [
                "CLibPQ", "RehabCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedDefaults"]
        ),

        // MARK: - Stages
        .target(
            name: "RehabIngest",
            dependencies: [
                "RehabCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "XMLCoder", package: "XMLCoder"),
            ],
            swiftSettings: swiftSettings
        ),
        // Embeds pipelines/ and the validation reference data into RehabValidate at build time.
        .executableTarget(name: "rehabcount-embed", swiftSettings: swiftSettings),
        .plugin(name: "EmbedDefaults", capability: .buildTool(), dependencies: ["rehabcount-embed"]),
        .target(
            name: "RehabValidate",
            dependencies: [
                "CRehabMemory",
                "RehabCore",
                "RehabIngest",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedDefaults"]
        ),
        .target(
            name: "RehabLoad",
            dependencies: [
                "RehabCore", "RehabIngest", "RehabValidate", "RehabDatabase",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RehabReport",
            dependencies: [
                "CRehabZlib", "RehabCore", "RehabIngest", "RehabValidate", "RehabDatabase", "RehabAnalyse",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RehabAnalyse",
            dependencies: [
                "RehabCore", "RehabDatabase",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // MESH, NHS England's message exchange: how trusts' systems send extracts and receive their feedback.
        .target(
            name: "RehabMESH",
            dependencies: [
                "CRehabZlib", "RehabCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The trust API's types and server protocol, generated from its OpenAPI document at build time.
        .target(
            name: "RehabAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator"), "EmbedDefaults"]
        ),
        // The trust portal: its people, sessions and tokens.
        .target(
            name: "RehabPortal",
            dependencies: [
                "RehabCore", "RehabDatabase", "RehabPipeline", "RehabIngest", "RehabAPI", "RehabReport", "RehabAnalyse",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RehabSample",
            dependencies: ["RehabCore", "RehabIngest"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Pipeline and CLI
        .target(
            name: "RehabPipeline",
            dependencies: [
                "RehabCore", "RehabIngest", "RehabValidate", "RehabReport", "RehabLoad", "RehabDatabase",
                "RehabAnalyse", "RehabMESH",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "rehabcount",
            dependencies: [
                "RehabPipeline",
                "RehabPortal",
                "RehabCore",
                "RehabDatabase",
                "RehabSample",
                "RehabValidate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        // What the test targets share: the package's folders, the sample month, and throwaway databases.
        .target(
            name: "RehabTestSupport",
            dependencies: [
                "RehabDatabase", "RehabPipeline",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RehabTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabCoreTests",
            dependencies: ["RehabCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabDatabaseTests",
            dependencies: ["RehabTestSupport", "RehabDatabase"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabLoadTests",
            dependencies: [
                "RehabTestSupport", "RehabLoad", "RehabDatabase", "RehabValidate", "RehabIngest", "RehabPipeline",
                "RehabCore",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabIngestTests",
            dependencies: ["RehabIngest", "RehabCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabValidateTests",
            dependencies: [
                "RehabTestSupport",
                "RehabValidate", "RehabIngest", "RehabCore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabReportTests",
            dependencies: [
                "RehabTestSupport", "RehabReport", "RehabAnalyse", "RehabValidate", "RehabIngest", "RehabCore",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "RehabDatabase", "RehabLoad", "RehabPipeline", "RehabSample", "RehabCore", "RehabAnalyse",
                "RehabReport", "RehabIngest", "RehabValidate", "RehabTestSupport", "RehabPortal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["KnownAnswers"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabPipelineTests",
            dependencies: [
                "RehabTestSupport",
                "RehabPipeline", "RehabValidate", "RehabSample", "RehabCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabMESHTests",
            dependencies: [
                "RehabMESH", "RehabCore", "RehabTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabAnalyseTests",
            dependencies: ["RehabAnalyse"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabPortalTests",
            dependencies: ["RehabPortal"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RehabSampleTests",
            dependencies: ["RehabTestSupport", "RehabSample", "RehabCore", "RehabIngest"],
            swiftSettings: swiftSettings
        ),
    ]
)
