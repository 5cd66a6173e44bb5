import Benchmark
import Foundation
import RehabCore
import RehabIngest
import RehabPipeline
import RehabSample
import RehabValidate

/// The repository root: this file is Benchmarks/Benchmarks/Validate/Validate.swift.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// The million-row referrals file every benchmark reads, made once by the sample generator (seed 7, 2% defects).
let referralsFile: String = {
    let directory = ProcessInfo.processInfo.environment["REHABCOUNT_BENCH_DATA"] ?? "\(root)/Benchmarks/.data"
    let path = "\(directory)/R1D_referrals_2025-09.csv"
    if !FileManager.default.fileExists(atPath: path) {
        var options = SampleOptions(
            period: Period("2025-09")!,
            trusts: 1,
            seed: 7,
            referenceDirectory: "\(root)/sample-data/reference"
        )
        options.referralsPerTrust = 1_000_000
        options.contactsPerReferral = 0
        _ = try! SampleGenerator.write(options, to: directory)
    }
    return path
}()

let rows = 1_000_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, .mallocCountTotal],
        scalingFactor: .mega,
        maxDuration: .seconds(60),
        maxIterations: 5
    )
    let context = try! ValidateJob.context(layout: ProjectLayout(root: root))

    // The floor: bytes to rows, with no rule applied.
    Benchmark("Read 1M referrals rows (CSV reader only)") { benchmark in
        for _ in 0..<benchmark.scaledIterations.count / rows {
            var fields = 0
            _ = try CSVReader(path: referralsFile).read(onBlankLine: { _ in }) { row in fields &+= row.count }
            blackHole(fields)
        }
    }

    // Every rule of the catalogue on every row; findings spilled; no report written.
    Benchmark("Validate 1M referrals rows") { benchmark in
        for _ in 0..<benchmark.scaledIterations.count / rows {
            var sink = DiscardingRowSink()
            let (result, _) = try SubmissionValidator(context: context).validate(path: referralsFile, sink: &sink)
            precondition(result.rows.read == rows)
            blackHole(result)
        }
    }
}
