import Foundation
import PackagePlugin

/// Embeds files into the target that uses it, at build time, by running `rehabcount-embed`: into RehabValidate the
/// default contracts and rule catalogue (pipelines/) and the validation reference data (sample-data/reference/);
/// into RehabDatabase the migrations and definitions (sql/); into RehabAPI its OpenAPI document. The files are the only source, nothing generated is
/// checked in, and a change to any of them rebuilds the target.
@main
struct EmbedDefaults: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        func files(in folder: String, ending suffix: String) throws -> [URL] {
            let directory = root.appending(path: folder)
            return try FileManager.default.contentsOfDirectory(atPath: directory.path()).sorted()
                .filter { $0.hasSuffix(suffix) }.map { directory.appending(path: $0) }
        }
        let mode: String
        let inputs: [URL]
        let output: URL
        switch target.name {
        case "RehabAPI":
            mode = "api"
            inputs = [root.appending(path: "Sources/RehabAPI/openapi.yaml")]
            output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAPIDocument.swift")
        case "RehabDatabase":
            mode = "sql"
            inputs = try files(in: "sql/migrations", ending: ".sql") + files(in: "sql/analysis", ending: ".sql")
            output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        default:
            mode = "defaults"
            inputs =
                try files(in: "pipelines/contracts", ending: ".yaml") + files(in: "pipelines/rules", ending: ".yaml")
                + ["lsoa11_sicbl22_icb22.csv", "lsoa21_sicbl24_icb24.csv", "nhs_trusts_etr_2025.csv"].map {
                    root.appending(path: "sample-data/reference/\($0)")
                }
            output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedDefaults.swift")
        }
        return [
            .buildCommand(
                displayName:
                    "Embedding \(["sql": "the SQL migrations and definitions", "api": "the OpenAPI document"][mode] ?? "the default contracts, rules and validation reference data") into \(target.name)",
                executable: try context.tool(named: "rehabcount-embed").url,
                arguments: [mode, root.path(), output.path()],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
