#!/usr/bin/env bash
# Release log: append one release, prove inclusion, prove consistency, on logs
# of 10^3, 10^5 and 10^6 entries; the library (medians, in-process) and the
# CLI (hyperfine, one process per run, including start-up and key loading).
# The bar: each under 50 ms at 10^6, logarithmic in the log's size.
#
# usage: bench/log.sh [SIZES...]   (default: 1000 100000 1000000)
# needs: hyperfine (apt-get install hyperfine). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p vouch-cli
cargo build --release -q -p vouch-signing --example log_bench
VOUCH="$PWD/target/release/vouch"
GEN="$PWD/target/release/examples/log_bench"
OUT="$PWD/bench/out"
mkdir -p "$OUT"
W=$(mktemp -d "${TMPDIR:-/tmp}/vouch-log-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$VOUCH" key generate --out "$W/keys" --name log --unencrypted >/dev/null 2>&1
mkdir -p "$W/src" && echo bench > "$W/src/a.txt"
mkdir -p "$W/bundle/bench-9.9.9"
SOURCE_DATE_EPOCH=1767225600 "$VOUCH" manifest create "$W/src" --no-git --name bench --version 9.9.9 -o "$W/bundle/bench-9.9.9/manifest.json" >/dev/null 2>&1

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 100000 1000000)
for N in "${SIZES[@]}"; do
  LOG="$W/log-$N"
  "$GEN" "$LOG" "$N" "$W/keys/log.key" | tee -a "$OUT/log-library.txt"
  # A log with the bundle appended, for prove; the base log for append (reset each run).
  cp -a "$LOG" "$LOG-proved"
  "$VOUCH" log append "$LOG-proved" "$W/bundle/bench-9.9.9" --key "$W/keys/log.key" >/dev/null
  hyperfine --warmup 3 --runs 20 --export-markdown "$OUT/log-$N.md" \
    --prepare "rm -rf $LOG-w && cp -a $LOG $LOG-w" \
    -n "append n=$N" "$VOUCH log append $LOG-w $W/bundle/bench-9.9.9 --key $W/keys/log.key" \
    -n "prove n=$N" "$VOUCH log prove $LOG-proved $W/bundle/bench-9.9.9" \
    -n "consistency n=$N" "$VOUCH log consistency $LOG-proved --from $((N / 3 + 1))"
done
