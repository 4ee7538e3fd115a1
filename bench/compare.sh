#!/usr/bin/env bash
# Benchmarks secrets against sops side by side and writes BENCHMARKS.md.
# usage: bench/compare.sh [--quick] [--runs N] [--sizes 10,1000,10000,100000] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv/bin ] && export PATH="$PWD/.venv/bin:$PATH"
if [ -z "${SECRETS_BIN:-}" ]; then
    cargo build --release --locked --quiet
fi
exec python3 bench/compare.py "$@"
