import Foundation
import PackagePlugin

/// Embeds the default contracts and rule catalogue (pipelines/) and the validation reference data
/// (sample-data/reference/) into the target that uses it, at build time: the files are the only source, and nothing
/// generated is checked in. A change to any of them rebuilds the target.
@main
struct EmbedDefaults: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for folder in ["pipelines/contracts", "pipelines/rules"] {
            let directory = root.appending(path: folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path()).sorted()
            where name.hasSuffix(".yaml") {
                inputs.append(directory.appending(path: name))
            }
        }
        for name in ["lsoa11_sicbl22_icb22.csv", "lsoa21_sicbl24_icb24.csv", "nhs_trusts_etr_2025.csv"] {
            inputs.append(root.appending(path: "sample-data/reference/\(name)"))
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedDefaults.swift")
        return [
            .buildCommand(
                displayName: "Embedding the default contracts, rules and validation reference data",
                executable: try context.tool(named: "rehabcount-embed").url,
                arguments: [root.path(), output.path()],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
