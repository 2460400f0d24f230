#!/usr/bin/env bash
# Benchmark: render the review site, with source pages, for a release of a
# ~50,000-file tree (a Rust toolchain directory) into a tmpfs, timed with
# hyperfine; prints pages and output size.
#
#   bash bench/site.sh [TREE]
#   OLD_VOUCH=/path/to/old/vouch bash bench/site.sh [TREE]
#   ZOLA=/path/to/zola bash bench/site.sh [TREE]
#
# With OLD_VOUCH (e.g. built from main's HEAD into another target dir),
# the old binary is timed in the same hyperfine run, side by side. With
# ZOLA (built from its repository, `cargo build --release --locked`), Zola
# rendering the 50,000 pages of bench/zola-site.sh is timed in the same run.
#
# TREE defaults to the directory under ~/.rustup/toolchains/* whose file
# count is closest to 50,000. The bar: faster than Zola renders 50,000 pages
# (4.7 s on tmpfs on the reference machine).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
TREE="$(pick_tree "${1:-}")"
[ -d "$TREE" ] || { echo "bench: no tree to render (give one: bash bench/site.sh DIR)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }

cargo build --release -q -p vouch-cli
V="$PWD/target/release/vouch"
SHM="${BENCH_TMP:-/dev/shm}"
WORK="$(mktemp -d "$SHM/vouch-bench-site.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/bundles/toolchain-1.0.0"
echo "tree: $TREE ($(find "$TREE" -type f | wc -l) files, $(du -sh "$TREE" | cut -f1))"
"$V" manifest create "$TREE" --no-git --name toolchain --version 1.0.0 \
  -o "$WORK/bundles/toolchain-1.0.0/manifest.json" >/dev/null
echo "manifest: $(du -h "$WORK/bundles/toolchain-1.0.0/manifest.json" | cut -f1)"

BUILD=("$V" site build "$WORK/bundles" -o "$WORK/site" --source "toolchain@1.0.0=$TREE")
# One build outside the timing: warms the page cache and reports the size.
"${BUILD[@]}" --format json > "$WORK/summary.json"
# "fresh": into an empty place (the previous site removed outside the timing);
# "replace": over the previous site, which the build removes once the new
# one is in place (what Zola's timing includes for its public/ folder); it
# keeps the previous build's file pages and code index, the same inputs.
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "peak RSS: %M KiB (new)" "${BUILD[@]}" >/dev/null
fi
SIDE=()
if [ -n "${OLD_VOUCH:-}" ]; then
  OLD=("$OLD_VOUCH" "${BUILD[@]:1}")
  "${OLD[@]}" >/dev/null
  [ -x /usr/bin/time ] && /usr/bin/time -f "peak RSS: %M KiB (old)" "${OLD[@]}" >/dev/null
  SIDE=(-n old-fresh --prepare "rm -rf '$WORK/site'" "${OLD[*]}")
fi
if [ -n "${ZOLA:-}" ]; then
  bash bench/zola-site.sh "$WORK/zola" 50000 >/dev/null
  "$ZOLA" --root "$WORK/zola" build >/dev/null
  SIDE+=(-n zola --prepare "rm -rf '$WORK/zola/public'" "$ZOLA --root $WORK/zola build")
fi
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$WORK/hyperfine.json" \
  "${SIDE[@]}" \
  -n fresh --prepare "rm -rf '$WORK/site'" "${BUILD[*]}" \
  -n replace --prepare true "${BUILD[*]}"

python3 - "$WORK/summary.json" "$WORK/hyperfine.json" "$WORK/site" "$TREE" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
hs = json.load(open(sys.argv[2]))["results"]
total = 0; count = 0
for root, _, files in os.walk(sys.argv[3]):
    for f in files:
        total += os.path.getsize(os.path.join(root, f)); count += 1
print(f"pages: {s['pages']}, files: {count}, output: {total / 2**20:.1f} MiB ({total} bytes)")
# The code index against the source it covers (the files its table lists).
code = os.path.join(sys.argv[3], "search", "code", "toolchain", "1.0.0")
if os.path.isdir(code):
    size = sum(os.path.getsize(os.path.join(code, f)) for f in os.listdir(code))
    js = open(os.path.join(code, "files.js")).read()
    table = json.loads(js[js.index(", ") + 2:js.rindex("]);")])[0]
    src = sum(os.path.getsize(os.path.join(sys.argv[4], p)) for p in table[0::2]
              if os.path.isfile(os.path.join(sys.argv[4], p)))
    print(f"code index: {size / 2**20:.1f} MiB in {len(os.listdir(code))} scripts for {src / 2**20:.1f} MiB "
          f"of indexed source in {len(table) // 2} files ({size / src:.2f} bytes per source byte)")
for h in hs:
    n = 50000 if h['command'] == 'zola' else s['pages']
    print(f"{h['command']}: mean {h['mean']:.3f} s ± {h['stddev']:.3f} s (min {h['min']:.3f} s, max {h['max']:.3f} s), "
          f"CPU user {h['user']:.2f} s + system {h['system']:.2f} s; {n / h['mean']:.0f} pages/s")
print("bar: 4.7 s (Zola, 50,000 pages, tmpfs); load average now:", open("/proc/loadavg").read().split()[:3])
PY
