#!/usr/bin/env python3
"""Precision and recall of detect-secrets on the scanner's labelled set.

    SCAN_SET_DIR=/tmp/scanset cargo test --test scan
    pip install detect-secrets
    scripts/scan-benchmark.py /tmp/scanset

A finding counts as a true positive when it is on a labelled line (labels.tsv: file, line)
or the line next to it (detect-secrets reports a YAML block's key line for a private key);
any other finding is a false positive. tests/scan.rs holds secrets to the exact line.
"""
import json
import subprocess
import sys

root = sys.argv[1]
labels = set()
with open(f"{root}/labels.tsv") as f:
    for row in f:
        name, line = row.rstrip("\n").split("\t")
        labels.add((name, int(line)))

out = subprocess.run(
    ["detect-secrets", "scan", "--all-files", "."],
    cwd=root, check=True, capture_output=True, text=True,
).stdout
found, false_positives = set(), []
for name, results in json.loads(out)["results"].items():
    for _, line in {(name, r["line_number"]) for r in results}:
        near = [(name, n) for n in (line, line + 1, line - 1) if (name, n) in labels]
        (found.add(near[0]) if near else false_positives.append((name, line)))
tp = len(found)
print(f"detect-secrets: {len(labels)} positives; recall {tp / len(labels):.3f}, "
      f"precision {tp / max(1, tp + len(false_positives)):.3f} "
      f"({tp} found, {len(false_positives)} false positives)")
for name, line in sorted(labels - found):
    print(f"missed: {name}:{line}")
for name, line in sorted(false_positives):
    print(f"false positive: {name}:{line}")
