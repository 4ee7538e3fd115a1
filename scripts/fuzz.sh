#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 600), seeded from the test data,
# and prints one summary line per target. Needs a nightly toolchain and cargo-fuzz
# (`rustup toolchain install nightly && cargo install cargo-fuzz`).
#
#   ./scripts/fuzz.sh            # 10 minutes per target
#   ./scripts/fuzz.sh 60 yaml    # one target, one minute
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi

data=tests/data
# Seeds: the files of each target's format from the corpus and the sops fixtures.
seed() {
    local target=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    case $target in
        yaml | json | dotenv | ini | toml)
            local ext=$target
            [ "$target" = dotenv ] && ext=env
            cp "$data/corpus/$target"/* "$dir"/
            cp "$data"/fixtures/sops/*."$ext" "$dir"/ 2>/dev/null || true ;;
        config)
            # The creation rules the tests write, one file each.
            grep -l 'creation_rules' -r tests/data src | head -50 | while read -r f; do cp "$f" "$dir"/; done
            printf 'creation_rules:\n  - path_regex: prod\n    age: age1x\n    shamir_threshold: 2\n' >"$dir/minimal.yaml" ;;
        metadata)
            # The `sops` blocks of the JSON fixtures.
            for f in "$data"/fixtures/sops/*.json; do
                python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get("sops", {})))' "$f" \
                    >"$dir/$(basename "$f")" 2>/dev/null || true
            done ;;
        enc_value) grep -rho 'ENC\[[^]]*\]' "$data"/fixtures/sops | head -200 | split -l 1 - "$dir/fixture-" || true ;;
        decrypt)
            # The first byte picks the format (FileFormat::ALL order), the rest is the file.
            local i=0
            for ext in yaml json env ini toml; do
                for f in "$data"/fixtures/sops/*."$ext"; do
                    [ -e "$f" ] || continue
                    { printf "\\x$(printf %02x $i)"; cat "$f"; } >"$dir/$(basename "$f")"
                done
                i=$((i + 1))
            done ;;
    esac
}

for target in "${targets[@]}"; do
    seed "$target"
    log=fuzz/artifacts/$target.log
    mkdir -p fuzz/artifacts
    (cd fuzz && cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -max_len=65536) >"$log" 2>&1 || {
        echo "$target: FAILED (see $log)"
        continue
    }
    stats=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1)
    echo "$target: $stats; corpus $(ls "fuzz/corpus/$target" | wc -l) inputs; no crash"
done
