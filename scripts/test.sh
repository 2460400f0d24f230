#!/usr/bin/env bash
# The whole test suite: installs the peer tools the tests drive, builds, and
# runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-deps.sh
export VOUCH_TEST_VENV="$PWD/target/test-venv"
export VOUCH_TEST_NODE="$PWD/target/test-node"
export PATH="$VOUCH_TEST_VENV/bin:$PATH"
# The end-to-end crate drives the built binary.
cargo build --workspace --bins
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
