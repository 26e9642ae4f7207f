#!/usr/bin/env python3
"""Lists the public symbols of a module that have no doc comment, from the symbol graphs that
`swift package generate-documentation` (or `swift package dump-symbol-graph`) leaves under .build.

    python3 scripts/check-doc-coverage.py RDAModel [BUILD_DIR]

Exit status 1 when any is found. Symbols the compiler synthesizes (Codable, Equatable, raw
values) and implementations of documented protocol requirements (which inherit their docs) are
not counted.
"""
import glob
import json
import os
import sys


def main():
    module = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) > 2 else ".build"
    files = [f for f in glob.glob(os.path.join(build, "**", f"{module}*.symbols.json"), recursive=True)]
    if not files:
        print(f"check-doc-coverage: no symbol graph for {module} under {build}; run swift package generate-documentation first",
              file=sys.stderr)
        return 2
    newest = max(os.path.getmtime(f) for f in files)
    files = [f for f in files if newest - os.path.getmtime(f) < 600]   # one generation only
    missing, seen = set(), 0
    for path in files:
        graph = json.load(open(path))
        for s in graph.get("symbols", []):
            if s.get("accessLevel") not in ("public", "open"):
                continue
            uri = s.get("location", {}).get("uri", "")
            if f"/Sources/{module}/" not in uri or "sourceOrigin" in s:
                continue
            seen += 1
            if not s.get("docComment", {}).get("lines"):
                line = s["location"].get("position", {}).get("line", 0) + 1
                missing.add(f"{uri.split('/Sources/')[-1]}:{line}: {'.'.join(s.get('pathComponents', []))} "
                            f"({s['kind']['identifier']})")
    for m in sorted(missing):
        print(m)
    print(f"{module}: {seen} public symbols, {len(missing)} without a doc comment", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
