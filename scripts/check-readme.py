#!/usr/bin/env python3
"""Checks that every Swift example in README.md is a file the build compiles, exactly as printed.

Each ```swift block must follow a line `<!-- compiled from PATH -->` naming a source file of the package
(an example target or a test); the block must equal that file's content. Exits 1 naming each mismatch.
"""
import difflib
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text()
marker = re.compile(r"<!-- compiled from (\S+) -->\s*\n```swift\n(.*?)```", re.S)
failures = []
compiled = marker.findall(readme)
blocks = readme.count("```swift")
if len(compiled) != blocks:
    failures.append(f"{blocks - len(compiled)} of the README's {blocks} Swift blocks have no '<!-- compiled from PATH -->' line before them")
for path, block in compiled:
    source = root / path
    if not source.is_file():
        failures.append(f"{path}: no such file (named by the README)")
        continue
    text = source.read_text()
    if text != block:
        diff = "".join(difflib.unified_diff(text.splitlines(True), block.splitlines(True), path, "README.md"))
        failures.append(f"{path} differs from its README block:\n{diff}")
for failure in failures:
    print(f"error: {failure}", file=sys.stderr)
if failures:
    sys.exit(1)
print(f"README: {len(compiled)} Swift examples match the files the build compiles")
