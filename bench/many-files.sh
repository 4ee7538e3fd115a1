#!/usr/bin/env bash
# Decrypting many AWS KMS-wrapped files: `secrets decrypt` once for all of them against
# `sops decrypt` run once per file, both against a local moto_server (127.0.0.1 only).
#
#   bench/many-files.sh [N]        # N files (default 100), written by sops, one data key each
#
# Needs moto_server and sops on PATH (./scripts/test.sh installs both into .venv) and builds
# the release binary (or set SECRETS=/path/to/secrets). Prints wall times and the number of
# KMS Decrypt requests moto recorded for each run.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
export PATH="$PWD/.venv/bin:$PATH" SOPS_DISABLE_VERSION_CHECK=1
SECRETS=${SECRETS:-}
if [ -z "$SECRETS" ]; then
    cargo build --release --quiet
    SECRETS=$PWD/target/release/secrets
fi
for tool in moto_server sops python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (run ./scripts/test.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
moto_pid=
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_ENABLE_RECORDING=True MOTO_RECORDER_FILEPATH="$work/recording" \
    moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL=http://127.0.0.1:$port \
    AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE
arn=$(python3 - "$port" <<'EOF'
import json, sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/" % sys.argv[1], data=b"{}", headers={
    "X-Amz-Target": "TrentService.CreateKey",
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0"})
print(json.load(urllib.request.urlopen(req))["KeyMetadata"]["Arn"])
EOF
)

mkdir -p "$work/plain" "$work/enc" "$work/out-secrets" "$work/out-sops"
for i in $(seq -w 1 "$N"); do
    printf 'name: file %s\ndb:\n  password: secret-%s\n' "$i" "$i" >"$work/plain/f$i.yaml"
    sops encrypt --kms "$arn" "$work/plain/f$i.yaml" >"$work/enc/f$i.yaml"
done

decrypts() {
    python3 - "$work/recording" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    headers = {k.lower(): v for k, v in json.loads(line)["headers"].items()}
    n += headers.get("x-amz-target") == "TrentService.Decrypt"
print(n)
EOF
}
reset() { : >"$work/recording"; }
now() { python3 -c 'import time; print(time.time())'; }

reset
t0=$(now)
"$SECRETS" decrypt "$work"/enc/*.yaml --output-dir "$work/out-secrets"
t1=$(now)
secrets_requests=$(decrypts)

reset
t2=$(now)
for f in "$work"/enc/*.yaml; do
    sops decrypt "$f" >"$work/out-sops/$(basename "$f")"
done
t3=$(now)
sops_requests=$(decrypts)

# Both must give the same plaintext.
for f in "$work"/out-secrets/*.yaml; do
    cmp -s "$f" "$work/out-sops/$(basename "$f")" || { echo "bench: $f differs from sops's output" >&2; exit 1; }
done

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$secrets_requests" "$sops_requests" <<'EOF'
import sys
n, t0, t1, t2, t3, rs, rp = sys.argv[1:]
a, b = float(t1) - float(t0), float(t3) - float(t2)
print("%s files, one KMS data key each (moto on 127.0.0.1)" % n)
print("%-44s %8.2f s  %4s Decrypt requests" % ("secrets decrypt FILES --output-dir DIR", a, rs))
print("%-44s %8.2f s  %4s Decrypt requests" % ("sops decrypt FILE, once per file", b, rp))
print("speed-up: %.1fx" % (b / a))
EOF
