#!/usr/bin/env bash
# Installs what vouch's test suite drives as real peers: the reference
# minisign CLI, Go with golang.org/x/mod (the release log's sumdb interop), diffoscope (rebuild's explained differences), make, CMake and g++ (C and C++ rebuilds), SBOM validators and securesystemslib (in a Python venv),
# the Nu HTML Checker and headless Chromium. Idempotent; needs root (or sudo)
# for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v minisign >/dev/null || need_apt+=(minisign)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v java >/dev/null || need_apt+=(default-jre-headless)
command -v unshare >/dev/null || need_apt+=(util-linux)
command -v diffoscope >/dev/null || need_apt+=(diffoscope-minimal)
# C and C++ rebuilds: make, CMake and the compilers.
command -v cmake >/dev/null || need_apt+=(cmake)
command -v make >/dev/null || need_apt+=(make)
command -v c++ >/dev/null || need_apt+=(g++)
{ command -v ctags >/dev/null && ctags --version | grep -q 'Universal Ctags'; } || need_apt+=(universal-ctags)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v npm >/dev/null || need_apt+=(npm)
# Go and x/mod (sumdb/note, sumdb/tlog) for the release-log interop tests,
# built in GOPATH mode: no module proxy is needed.
command -v go >/dev/null || need_apt+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || need_apt+=(golang-golang-x-mod-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Python validators in a venv of their own.
VENV=target/test-venv
# The marker holds the requirements' hash: a changed list reinstalls.
REQ_SUM=$(sha256sum scripts/test-requirements.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/pyspdxtools" ] || [ "$(cat "$VENV/.vouch-ok" 2>/dev/null)" != "$REQ_SUM" ]; then
  echo "setup: python venv $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/test-requirements.txt
  echo "$REQ_SUM" > "$VENV/.vouch-ok"
fi

# Node tools: the Nu HTML Checker (vnu-jar) and playwright-core (drives the
# system Chromium; it downloads no browser of its own).
NODE_DIR=target/test-node
if [ ! -f "$NODE_DIR/node_modules/vnu-jar/build/dist/vnu.jar" ] || [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
  echo "setup: npm tools in $NODE_DIR" >&2
  mkdir -p "$NODE_DIR"
  cp scripts/test-package.json "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund >/dev/null)
fi

# Every locked crate, for every platform, in the cargo cache: the SBOM tests
# compare a document made from this full cache with one made from a cache
# holding only what a host build needs.
cargo fetch --locked --quiet

# cargo-nextest is used when present; cargo test otherwise.
