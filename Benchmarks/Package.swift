// swift-tools-version: 6.1
// The benchmark package, kept apart so that the main build and CI do not compile the benchmark harness.
// Run from this folder: swift package benchmark
import PackageDescription

let package = Package(
    name: "rehabcount-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "rehabcount", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Validate",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RehabCore", package: "rehabcount"),
                .product(name: "RehabIngest", package: "rehabcount"),
                .product(name: "RehabValidate", package: "rehabcount"),
                .product(name: "RehabSample", package: "rehabcount"),
                .product(name: "RehabPipeline", package: "rehabcount"),
            ],
            path: "Benchmarks/Validate",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
