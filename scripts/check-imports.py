#!/usr/bin/env python3
"""Every module a target imports must be one of its own declared dependencies in Package.swift.

SwiftPM builds a target that imports a module it reaches only through another target's dependencies, and its
--explicit-target-dependency-import-check lets such transitive imports through; this check does not. It reads the
package as `swift package dump-package` describes it and each target's Swift sources, and lists every import that
the target does not declare. Exit status 1 when there is one, 0 otherwise.

Usage: scripts/check-imports.py [package directory]
"""

import json
import os
import re
import subprocess
import sys

# Modules of the toolchain and the platform, which no target declares.
SYSTEM = {
    "Swift", "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Dispatch", "Glibc", "Musl", "Darwin",
    "Testing", "XCTest", "Synchronization", "_Concurrency", "os",
}
# A product whose module has another name.
PRODUCT_MODULES = {}

IMPORT = re.compile(
    r"^\s*(?:@[\w(). ,:]+\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_]\w*)"
)


def main() -> int:
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    package = json.loads(
        subprocess.run(
            ["swift", "package", "--package-path", root, "dump-package"],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    problems = []
    checked = 0
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin"):
            continue
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        declared = set()
        for dependency in target["dependencies"]:
            kind, value = next(iter(dependency.items()))
            name = value[0]
            declared.add(PRODUCT_MODULES.get(name, name) if kind == "product" else name)
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(directory, file)
                with open(path, encoding="utf-8") as source:
                    for number, line in enumerate(source, 1):
                        match = IMPORT.match(line)
                        if not match:
                            continue
                        module = match.group(1)
                        if module in SYSTEM or module in declared or module == target["name"]:
                            continue
                        problems.append(
                            f"{os.path.relpath(path, root)}:{number}: {target['name']} imports {module}, "
                            f"which is not among its dependencies in Package.swift"
                        )
        checked += 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-imports: {len(problems)} undeclared import(s) in {checked} targets", file=sys.stderr)
        return 1
    print(f"check-imports: every import of {checked} targets is declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
