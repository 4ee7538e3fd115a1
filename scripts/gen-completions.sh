#!/usr/bin/env bash
# Regenerates the committed shell completions and manual pages from the clap definitions.
# Run after adding or changing a command or flag; tests/completions.rs fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf completions
cargo run --quiet -- completions --write-all completions
cargo run --quiet -- man --dir completions/man
