#!/usr/bin/env bash
# Hashing throughput of `vouch manifest create --no-git` against rhash and a
# parallel sha256sum pipeline, side by side in one hyperfine run per tree,
# and peak RSS for 100,000 files.
#
# usage: bench/hash.sh [TREE...]   (default: the Rust toolchain dir and /usr)
# needs: hyperfine, rhash, openssl, GNU time (apt-get install hyperfine rhash)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p vouch-cli
VOUCH="$PWD/target/release/vouch"
OUT="$PWD/bench/out"
mkdir -p "$OUT"
CORES=$(nproc)

if [ $# -gt 0 ]; then TREES=("$@"); else
  TREES=("$(rustc --print sysroot)" /usr)
fi

# The machine's SHA-256 limit: openssl's 16 KiB-block speed times cores.
ONE=$(openssl speed -seconds 2 -bytes 16384 -evp sha256 2>/dev/null | awk '/^sha256/ {print $NF}' | tr -d k)
LIMIT=$(python3 -c "print(f'{float(\"$ONE\")*1000*$CORES/1e9:.2f}')")
echo "machine: $CORES cores, openssl sha256 ${ONE}k B/s per core => limit ${LIMIT} GB/s"

for TREE in "${TREES[@]}"; do
  TREE=$(readlink -f "$TREE")
  name=$(basename "$TREE")
  files=$(find "$TREE" -type f | wc -l)
  bytes=$(find "$TREE" -type f -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
  echo "== $TREE: $files files, $bytes bytes"
  # Warm the page cache.
  find "$TREE" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true
  # (vouch refuses names with a backslash, which /usr has a few of: the
  # exclude leaves those out; rhash and sha256sum still hash them. rhash
  # exits 1 on the odd unreadable entry of /usr, hence -i; vouch is checked
  # to succeed first.)
  "$VOUCH" manifest create --no-git "$TREE" --name bench --version 1 -o /dev/null --exclude '**/*\\*'
  hyperfine -i --warmup 1 --runs 5 --export-json "$OUT/hash-$name.json" \
    -n vouch "$VOUCH manifest create --no-git $TREE --name bench --version 1 -o /dev/null --exclude '**/*\\\\*'" \
    -n rhash "rhash --sha256 -r $TREE > /dev/null" \
    -n sha256sum-P2 "find $TREE -type f -print0 | xargs -0 -P$CORES sha256sum > /dev/null"
  python3 - "$OUT/hash-$name.json" "$bytes" "$LIMIT" <<'PY'
import json, sys
res = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
b, limit = int(sys.argv[2]), float(sys.argv[3])
v = res["vouch"]
print(f"vouch {v:.3f}s = {b/v/1e9:.2f} GB/s ({b/v/1e9/limit*100:.0f}% of the {limit} GB/s limit)")
for k in ("rhash", "sha256sum-P2"):
    print(f"  {k}: {res[k]:.3f}s -> vouch is {res[k]/v:.2f}x faster")
PY
done

# Peak RSS for 100,000 small files.
T=$(mktemp -d /dev/shm/vouch-bench-XXXX)
trap 'rm -rf "$T"' EXIT
python3 - "$T" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(f"{root}/d{d:03}")
    for f in range(1000):
        with open(f"{root}/d{d:03}/f{f:04}.txt", "w") as fh:
            fh.write(f"file {d} {f}\n" * 20)
PY
/usr/bin/time -f "%M" -o "$OUT/rss.txt" "$VOUCH" manifest create --no-git "$T" --name bench --version 1 -o /dev/null
echo "peak RSS for 100,000 files: $(( $(cat "$OUT/rss.txt") / 1024 )) MiB"
