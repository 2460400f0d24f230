#!/usr/bin/env bash
# Benchmark: a review site that grows by one release. A ~50,000-file tree (a
# Rust toolchain directory) is release 1.0.0; a copy with 1% of its files
# changed is 1.1.0. On tmpfs, side by side in one hyperfine run:
#
#   scratch   both releases into an empty folder
#   add       1.1.0 added to a site that holds 1.0.0 (a hard-linked copy of
#             it, made outside the timing)
#
# then sizes as du counts them (hard links once): the first site, the grown
# site, and what adding grew it by. Last, three releases (1.0.0, an
# identical 1.0.1, and 1.1.0) in one site against three single-release sites.
#
#   bash bench/site-incremental.sh [TREE]
#
# Bars: adding takes at most 30% of scratch; the site grows by at most 20% of
# the first release's size.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
TREE="$(pick_tree "${1:-}")"
[ -d "$TREE" ] || { echo "bench: no tree (give one: bash bench/site-incremental.sh DIR)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }

cargo build --release -q -p vouch-cli
V="$PWD/target/release/vouch"
SHM="${BENCH_TMP:-/dev/shm}"
W="$(mktemp -d "$SHM/vouch-bench-grow.XXXXXX")"
trap 'rm -rf "$W"' EXIT

# The two trees: the first as is, the second a copy with every 100th small
# text file (by sorted path) given one more line.
cp -a "$TREE" "$W/t1"
cp -a "$TREE" "$W/t2"
python3 - "$W/t2" <<'PY'
import os, sys
root = sys.argv[1]
paths = []
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        if not os.path.islink(p) and os.path.getsize(p) < 1 << 20:
            paths.append(p)
paths.sort()
changed = 0
for p in paths[::100]:
    with open(p, "ab") as fh:
        fh.write(b"\n// changed in 1.1.0\n")
    changed += 1
print(f"1.1.0: {changed} of {len(paths)} files below 1 MiB changed ({changed * 100 / len(paths):.1f}%)")
PY
for r in "1.0.0 t1" "1.0.1 t1" "1.1.0 t2"; do
  set -- $r
  mkdir -p "$W/all/toolchain-$1"
  "$V" manifest create "$W/$2" --no-git --name toolchain --version "$1" -o "$W/all/toolchain-$1/manifest.json" >/dev/null
done
mkdir -p "$W/one" "$W/two"
cp -a "$W/all/toolchain-1.0.0" "$W/one/"
cp -a "$W/all/toolchain-1.0.0" "$W/all/toolchain-1.1.0" "$W/two/"
S1=(--source "toolchain@1.0.0=$W/t1")
S2=(--source "toolchain@1.1.0=$W/t2")
S3=(--source "toolchain@1.0.1=$W/t1")

"$V" site build "$W/one" -o "$W/first" "${S1[@]}" >/dev/null
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$W/grow.json" \
  -n scratch --prepare "rm -rf '$W/s'" "$V site build '$W/two' -o '$W/s' ${S1[*]} ${S2[*]}" \
  -n add --prepare "rm -rf '$W/g' && cp -al '$W/first' '$W/g'" "$V site build '$W/two' -o '$W/g' ${S1[*]} ${S2[*]}"

# The grown site is the scratch one, byte for byte.
diff -r "$W/s" "$W/g" >/dev/null && echo "grown site = scratch site: identical" || { echo "grown site differs from scratch" >&2; exit 1; }

# Three releases, grown one at a time, against three single-release sites.
mkdir -p "$W/three"
T0=$(date +%s.%N)
for r in "1.0.0 t1" "1.0.1 t1" "1.1.0 t2"; do
  set -- $r
  cp -a "$W/all/toolchain-$1" "$W/three/"
  srcs=()
  for b in "$W"/three/toolchain-*; do
    v="${b##*toolchain-}"; d=t1; [ "$v" = 1.1.0 ] && d=t2
    srcs+=(--source "toolchain@$v=$W/$d")
  done
  "$V" site build "$W/three" -o "$W/site3" "${srcs[@]}" >/dev/null
done
T1=$(date +%s.%N)
for r in "1.0.0 t1" "1.0.1 t1" "1.1.0 t2"; do
  set -- $r
  mkdir -p "$W/single-$1"
  cp -a "$W/all/toolchain-$1" "$W/single-$1/"
  "$V" site build "$W/single-$1" -o "$W/site-single-$1" --source "toolchain@$1=$W/$2" >/dev/null
done
T2=$(date +%s.%N)

python3 - "$W" "$T0" "$T1" "$T2" <<'PY'
import json, os, subprocess, sys
w, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
def du(*paths):
    out = subprocess.run(["du", "-s", "-B1", "-c", *paths], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1].split()[0])
hs = {h["command"]: h for h in json.load(open(os.path.join(w, "grow.json")))["results"]}
sc, ad = hs["scratch"], hs["add"]
print(f"scratch (both releases): mean {sc['mean']:.2f} s ± {sc['stddev']:.2f} s")
print(f"add 1.1.0 to a site with 1.0.0: mean {ad['mean']:.2f} s ± {ad['stddev']:.2f} s")
print(f"add / scratch: {ad['mean'] / sc['mean'] * 100:.1f}% (bar: at most 30%)")
# The fastest runs, which the load of a shared machine disturbs least.
print(f"fastest add / fastest scratch: {ad['min'] / sc['min'] * 100:.1f}%")
first = du(os.path.join(w, "first"))
grown = du(os.path.join(w, "g"))
both = du(os.path.join(w, "first"), os.path.join(w, "g"))
print(f"first site: {first / 2**20:.1f} MiB; grown site: {grown / 2**20:.1f} MiB; "
      f"new blocks after adding (both counted together, links once): {(both - first) / 2**20:.1f} MiB")
print(f"growth: {(grown - first) / 2**20:.1f} MiB = {(grown - first) * 100 / first:.1f}% of the first (bar: at most 20%)")
three = du(os.path.join(w, "site3"))
singles = du(*[os.path.join(w, f"site-single-{v}") for v in ("1.0.0", "1.0.1", "1.1.0")])
print(f"three releases grown one by one: {t1 - t0:.1f} s, {three / 2**20:.1f} MiB; "
      f"three single-release sites: {t2 - t1:.1f} s, {singles / 2**20:.1f} MiB "
      f"(time {(t1 - t0) / (t2 - t1) * 100:.0f}%, size {three * 100 / singles:.0f}%)")
print("load average now:", open("/proc/loadavg").read().split()[:3])
PY
