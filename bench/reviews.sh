#!/usr/bin/env bash
# Benchmark: what reviews cost. A ~50,000-file release (a Rust toolchain
# directory, as in bench/site.sh) with 20 review files (one per top-level
# slice of the tree, plus one of everything), timed side by side with
# hyperfine against the same commands without reviews:
#
#   * `vouch review status` with an empty reviews folder vs the 20 reviews;
#   * `vouch site build --trust` vs `--trust --reviews` (no --source, so the
#     site's own cost does not drown the reviews' part).
#
#   bash bench/reviews.sh [TREE]
#
# The bar: within 10% of the runs without reviews.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
TREE="$(pick_tree "${1:-}")"
[ -d "$TREE" ] || { echo "bench: no tree (give one: bash bench/reviews.sh DIR)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }

cargo build --release -q -p vouch-cli
V="$PWD/target/release/vouch"
SHM="${BENCH_TMP:-/dev/shm}"
WORK="$(mktemp -d "$SHM/vouch-bench-reviews.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

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
B="$WORK/bundles/toolchain-1.0.0"
mkdir -p "$B"
"$V" manifest create "$TREE" --no-git --name toolchain --version 1.0.0 -o "$B/manifest.json" >/dev/null
"$V" sign "$B" --key "$WORK/keys/vendor.key" >/dev/null
files=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['source']['count'])" "$B/manifest.json")
echo "tree: $TREE ($files files)"

mkdir -p "$WORK/reviews" "$WORK/none"
"$V" review sign "$B" --key "$WORK/keys/agency.key" --criteria safe-to-deploy --verdict pass --all \
  --out "$WORK/reviews" >/dev/null
# 19 more: one per directory holding files, shallowest first.
n=1
while IFS= read -r d; do
  [ "$n" -ge 20 ] && break
  "$V" review sign "$B" --key "$WORK/keys/agency.key" --criteria safe-to-deploy --verdict pass \
    --path "$d/**" --out "$WORK/reviews" >/dev/null 2>&1 && n=$((n + 1))
done < <(cd "$TREE" && find . -mindepth 2 -maxdepth 4 -type f -printf '%h\n' | sed 's|^\./||' | sort -u)
echo "review files: $(ls "$WORK/reviews" | wc -l), $(du -sh "$WORK/reviews" | cut -f1)"

hyperfine --warmup 1 --runs 5 -N --ignore-failure \
  -n "review status, no reviews" "$V review status $B --reviews $WORK/none --trust $WORK/trust.toml --format json" \
  -n "review status, 20 reviews" "$V review status $B --reviews $WORK/reviews --trust $WORK/trust.toml --format json"
hyperfine --warmup 1 --runs 5 -N --prepare "rm -rf $WORK/site" \
  -n "site build --trust" "$V site build $WORK/bundles -o $WORK/site --trust $WORK/trust.toml" \
  -n "site build --trust --reviews (20)" "$V site build $WORK/bundles -o $WORK/site --trust $WORK/trust.toml --reviews $WORK/reviews"
