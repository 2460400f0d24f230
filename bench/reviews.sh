#!/usr/bin/env bash
# Benchmark: what reviews cost. A ~50,000-file release (a Rust toolchain
# directory, as in bench/site.sh) with 20 review files (one of every file,
# then one per directory holding files, shallowest first), timed in one
# hyperfine run side by side with the same commands without reviews:
#
#   * `vouch review status` with an empty reviews folder vs the 20 reviews;
#   * `vouch site build --trust` vs `--trust --reviews` (no --source, so the
#     site's own cost does not drown the reviews' part);
#   * both with the reviews and `--no-cache` (every envelope decoded and its
#     signature verified on every run: the cost of a first run).
#
# Prints the median wall-clock and mean CPU (user+sys) times and their ratios to
# the runs without reviews.
#
#   bash bench/reviews.sh [TREE]
#   BENCH_WORK=/dev/shm/dir bash bench/reviews.sh [TREE]   # keep and reuse the set-up
#
# The bar: with the verified-review cache warm, within 10% of the runs
# without reviews.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
TREE="$(pick_tree "${1:-}")"
[ -d "$TREE" ] || { echo "bench: no tree (give one: bash bench/reviews.sh DIR)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }

cargo build --release -q -p vouch-cli
V="$PWD/target/release/vouch"
SHM="${BENCH_TMP:-/dev/shm}"
if [ -n "${BENCH_WORK:-}" ]; then
  WORK="$BENCH_WORK"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d "$SHM/vouch-bench-reviews.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
fi
B="$WORK/bundles/toolchain-1.0.0"

if [ ! -f "$WORK/.ready" ]; then
  rm -rf "${WORK:?}"/*
  "$V" key generate --out "$WORK/keys" --name vendor --unencrypted >/dev/null 2>&1
  "$V" key generate --out "$WORK/keys" --name agency --unencrypted >/dev/null 2>&1
  pub() { sed -n 2p "$WORK/keys/$1.pub"; }
  cat > "$WORK/trust.toml" <<TOML
[keys.vendor]
public = "$(pub vendor)"
roles = ["release"]

[keys.agency]
public = "$(pub agency)"
roles = ["reviewer"]

[roles.release]
threshold = 1

[review]
criteria = ["safe-to-deploy"]
coverage = 100
TOML
  mkdir -p "$B"
  "$V" manifest create "$TREE" --no-git --name toolchain --version 1.0.0 -o "$B/manifest.json" >/dev/null
  "$V" sign "$B" --key "$WORK/keys/vendor.key" >/dev/null
  mkdir -p "$WORK/reviews" "$WORK/none"
  "$V" review sign "$B" --key "$WORK/keys/agency.key" --criteria safe-to-deploy --verdict pass --all \
    --out "$WORK/reviews" >/dev/null
  # 19 more: one per directory holding files, shallowest first (so a few
  # of them name nearly every file, as a review of a big subtree does).
  n=1
  while IFS= read -r d; do
    [ "$n" -ge 20 ] && break
    "$V" review sign "$B" --key "$WORK/keys/agency.key" --criteria safe-to-deploy --verdict pass \
      --path "$d/**" --out "$WORK/reviews" >/dev/null 2>&1 && n=$((n + 1))
  done < <(cd "$TREE" && find . -mindepth 1 -maxdepth 5 -type d -printf '%d\t%P\n' | sort -k1,1n -k2 | cut -f2)
  [ "$n" -eq 20 ] || { echo "bench: only $n review files could be made of $TREE" >&2; exit 2; }
  touch "$WORK/.ready"
fi
files=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['source']['count'])" "$B/manifest.json")
echo "tree: $TREE ($files files)"
echo "review files: $(ls "$WORK/reviews" | wc -l), $(du -sh "$WORK/reviews" | cut -f1)"

# The cache of verified reviews, filled by hyperfine's warm-up runs. On a
# shared machine the load drifts, so the six commands are timed in several
# rounds (each one hyperfine run of all of them) and the runs pooled.
C="--cache $WORK/cache"
rm -rf "$WORK/cache"
S="$V review status $B --trust $WORK/trust.toml --format json"
SITE="$V site build $WORK/bundles --trust $WORK/trust.toml"
for round in $(seq "${BENCH_ROUNDS:-3}"); do
  hyperfine --warmup 2 --runs "${BENCH_RUNS:-5}" -N --ignore-failure --export-json "$WORK/times-$round.json" \
    --prepare true --prepare true --prepare true \
    --prepare "rm -rf $WORK/site" --prepare "rm -rf $WORK/site" --prepare "rm -rf $WORK/site" \
    -n "status, no reviews" "$S --reviews $WORK/none $C" \
    -n "status, 20 reviews" "$S --reviews $WORK/reviews $C" \
    -n "status, 20 reviews, --no-cache" "$S --reviews $WORK/reviews --no-cache" \
    -n "site, no reviews" "$SITE -o $WORK/site" \
    -n "site, 20 reviews" "$SITE -o $WORK/site --reviews $WORK/reviews $C" \
    -n "site, 20 reviews, --no-cache" "$SITE -o $WORK/site --reviews $WORK/reviews --no-cache"
done
python3 - "$WORK"/times-*.json <<'PY'
import json, statistics, sys
runs, cpu = {}, {}
for f in sys.argv[1:]:
    for x in json.load(open(f))["results"]:
        runs.setdefault(x["command"], []).extend(x["times"])
        # hyperfine gives user and system time as a mean per command.
        cpu.setdefault(x["command"], []).append((x["user"] + x["system"], len(x["times"])))
med = {k: statistics.median(v) for k, v in runs.items()}
cmed = {k: sum(c * n for c, n in v) / sum(n for _, n in v) for k, v in cpu.items()}
print(f"{'':32} {'wall, median':>12} {'ratio':>6}   {'user+sys, mean':>14} {'ratio':>6}   runs")
for base, others in [("status, no reviews", ["status, 20 reviews", "status, 20 reviews, --no-cache"]),
                     ("site, no reviews", ["site, 20 reviews", "site, 20 reviews, --no-cache"])]:
    for k in [base] + others:
        print(f"{k:32} {med[k]:10.3f} s {med[k] / med[base]:6.3f}   {cmed[k]:12.3f} s {cmed[k] / cmed[base]:6.3f}   {len(runs[k])}")
PY
