import Foundation
import RehabCore

/// The run's Prometheus metrics file, rewritten at the end of every run that got as far as reading its pipeline,
/// however it ended.
enum RunMetrics {
    /// Writes the metrics of a run.
    ///
    /// - Parameter exitCode: the run's exit code; a run that ended early has no files and stages but this.
    static func write(_ outcome: RunJob.Outcome, exitCode: Int32, config: PipelineConfig, to path: String) throws {
        var m = Metrics()
        let pipeline = ("pipeline", config.name)
        let previous = previousValues(path)
        m.describe("rehabcount_last_run_rows_read", type: "gauge", "Rows read in the last run, by extract kind.")
        m.describe("rehabcount_last_run_rows_loaded", type: "gauge", "Rows loaded in the last run, by extract kind.")
        m.describe(
            "rehabcount_last_run_rows_quarantined",
            type: "gauge",
            "Rows quarantined in the last run, by extract kind."
        )
        for kind in ExtractKind.allCases.map(\.rawValue) {
            let files = outcome.files.filter { $0.kind == kind }
            m.set(
                "rehabcount_last_run_rows_read",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsRead).reduce(0, +))
            )
            m.set(
                "rehabcount_last_run_rows_loaded",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsLoaded).reduce(0, +))
            )
            m.set(
                "rehabcount_last_run_rows_quarantined",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsQuarantined).reduce(0, +))
            )
        }
        m.describe(
            "rehabcount_last_run_submissions",
            type: "gauge",
            "Files in the last run, by outcome (skipped: not a regular file; changing: still being written)."
        )
        for status in RunJob.FileOutcome.Status.allCases {
            m.set(
                "rehabcount_last_run_submissions",
                [pipeline, ("status", status.rawValue)],
                Double(outcome.files.filter { $0.status == status }.count)
            )
        }
        m.describe("rehabcount_missing_submissions", type: "gauge", "Expected submissions that have not arrived.")
        m.set("rehabcount_missing_submissions", [pipeline], Double(outcome.missing.count))
        m.describe("rehabcount_last_run_stage_seconds", type: "gauge", "Duration of each stage of the last run.")
        for (stage, seconds) in outcome.stageSeconds {
            m.set("rehabcount_last_run_stage_seconds", [pipeline, ("stage", stage)], seconds)
        }
        m.describe(
            "rehabcount_last_run_exit_code",
            type: "gauge",
            "Exit code of the last run: 0 success, 1 a file or the run failed, 2 configuration error."
        )
        m.set("rehabcount_last_run_exit_code", [pipeline], Double(exitCode))
        m.describe("rehabcount_last_run_timestamp_seconds", type: "gauge", "Unix time the last run finished.")
        let now = Clock.secondsSinceEpoch().rounded()
        m.set("rehabcount_last_run_timestamp_seconds", [pipeline], now)
        // The last success and the failure count survive every run: carried over from the previous file.
        m.describe(
            "rehabcount_last_success_timestamp_seconds",
            type: "gauge",
            "Unix time of the last run that processed every file."
        )
        let lastSuccess = exitCode == 0 ? now : previous["rehabcount_last_success_timestamp_seconds"] ?? 0
        m.set("rehabcount_last_success_timestamp_seconds", [pipeline], lastSuccess)
        m.describe(
            "rehabcount_run_failures_total",
            type: "counter",
            "Runs that ended with a non-zero exit code (other than 3, another run holding the lock)."
        )
        let failures = (previous["rehabcount_run_failures_total"] ?? 0) + (exitCode == 0 ? 0 : 1)
        m.set("rehabcount_run_failures_total", [pipeline], failures)
        if config.mesh != nil {
            m.describe(
                "rehabcount_last_run_mesh_messages",
                type: "gauge",
                "MESH messages the last run took: collected, duplicate (already waiting) or refused."
            )
            let collected = outcome.collected
            for (state, count) in [
                ("collected", collected?.collected.count ?? 0), ("duplicate", collected?.duplicates ?? 0),
                ("refused", collected?.refused.count ?? 0),
            ] {
                m.set("rehabcount_last_run_mesh_messages", [pipeline, ("outcome", state)], Double(count))
            }
            m.describe(
                "rehabcount_mesh_feedback_queued",
                type: "gauge",
                "Feedback archives waiting to be sent through MESH after the last run."
            )
            m.set("rehabcount_mesh_feedback_queued", [pipeline], Double(outcome.delivered?.queued ?? 0))
            m.describe(
                "rehabcount_mesh_oldest_unacknowledged_seconds",
                type: "gauge",
                "Age of the oldest extract message left in the MESH mailbox after the last run, by when MESH accepted "
                    + "it (0: none left). MESH expires messages after a few days."
            )
            m.set(
                "rehabcount_mesh_oldest_unacknowledged_seconds",
                [pipeline],
                oldestUnacknowledged(outcome.collected, previous: previous, now: now)
            )
            m.describe(
                "rehabcount_mesh_failures_total",
                type: "counter",
                "Runs in which MESH could not be reached or kept failing (the local inbox was processed all the same)."
            )
            let failed = outcome.collected?.failure != nil || outcome.delivered?.failure != nil
            let meshFailures = (previous["rehabcount_mesh_failures_total"] ?? 0) + (failed ? 1 : 0)
            m.set("rehabcount_mesh_failures_total", [pipeline], meshFailures)
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try FileOutput.write(m.text, toFile: path)
    }

    /// The oldest unacknowledged message's age. When the night could not ask MESH, the messages left the last
    /// time are taken to be waiting still: the last figure, aged by the time since that run.
    static func oldestUnacknowledged(
        _ collected: RunJob.Collected?,
        previous: [String: Double],
        now: Double
    ) -> Double {
        if let known = collected?.oldestUnacknowledged { return known.rounded() }
        guard let last = previous["rehabcount_mesh_oldest_unacknowledged_seconds"], last > 0,
            let then = previous["rehabcount_last_run_timestamp_seconds"]
        else { return 0 }
        return last + max(0, now - then)
    }

    /// The unlabelled-by-kind values of the previous metrics file, by metric name.
    static func previousValues(_ path: String) -> [String: Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { values[String(name)] = value }
        }
        return values
    }
}
