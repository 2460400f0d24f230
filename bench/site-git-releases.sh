#!/usr/bin/env bash
# Benchmark: a review site grown by the real releases of a git project.
# Each TAG is checked out (git archive) as a release of the project; on
# tmpfs, side by side in one hyperfine run:
#
#   scratch   every release into an empty folder
#   add       the last release added to a site that holds the others (a
#             hard-linked copy of it, made outside the timing)
#
# then whether the grown site is the scratch one byte for byte, and sizes
# as du counts them (hard links once).
#
#   bash bench/site-git-releases.sh GIT_DIR TAG TAG [TAG...]
#
# e.g. bash bench/site-git-releases.sh ~/src/ripgrep 14.0.0 14.1.0 14.1.1
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 3 ] || { echo "usage: bash bench/site-git-releases.sh GIT_DIR TAG TAG [TAG...]" >&2; exit 2; }
GIT="$1"; shift
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }
git --git-dir="$GIT" rev-parse -q --verify HEAD >/dev/null 2>&1 || git -C "$GIT" rev-parse HEAD >/dev/null \
  || { echo "bench: $GIT is not a git repository" >&2; exit 2; }

cargo build --release -q -p vouch-cli
V="$PWD/target/release/vouch"
SHM="${BENCH_TMP:-/dev/shm}"
W="$(mktemp -d "$SHM/vouch-bench-git.XXXXXX")"
trap 'rm -rf "$W"' EXIT
export XDG_CACHE_HOME="$W/cache"

name=$(basename "$(realpath "$GIT")" .git)
[ "$name" = repo ] && name=$(basename "$(dirname "$(realpath "$GIT")")")
name="${NAME:-${name##*+}}"
mkdir -p "$W/all" "$W/rest"
SRC=()
for t in "$@"; do
  mkdir -p "$W/src/$t" "$W/all/$name-$t"
  git --git-dir="$GIT" archive "$t" 2>/dev/null | tar -x -C "$W/src/$t" \
    || git -C "$GIT" archive "$t" | tar -x -C "$W/src/$t"
  "$V" manifest create "$W/src/$t" --no-git --name "$name" --version "$t" -o "$W/all/$name-$t/manifest.json" >/dev/null
  SRC+=(--source "$name@$t=$W/src/$t")
  echo "$t: $(find "$W/src/$t" -type f | wc -l) files"
done
last="${*: -1}"
for t in "$@"; do [ "$t" = "$last" ] || cp -a "$W/all/$name-$t" "$W/rest/"; done
REST=("${SRC[@]:0:${#SRC[@]}-2}")
echo "$last: $(diff -rq "$W/src/${*: -2:1}" "$W/src/$last" | wc -l) files differ from the release before"

"$V" site build "$W/rest" -o "$W/first" "${REST[@]}" >/dev/null
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$W/git.json" \
  -n scratch --prepare "rm -rf '$W/s'" "$V site build '$W/all' -o '$W/s' ${SRC[*]}" \
  -n add --prepare "rm -rf '$W/g' && cp -al '$W/first' '$W/g'" "$V site build '$W/all' -o '$W/g' ${SRC[*]}"

diff -r "$W/s" "$W/g" >/dev/null && echo "grown site = scratch site: identical" || { echo "grown site differs from scratch" >&2; exit 1; }
python3 - "$W/git.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, a = r["scratch"], r["add"]
print(f"scratch (all releases): mean {s['mean']:.3f} s ± {s['stddev']:.3f} s")
print(f"add the last release:   mean {a['mean']:.3f} s ± {a['stddev']:.3f} s")
print(f"add / scratch: {100 * a['mean'] / s['mean']:.1f}%")
print(f"fastest add / fastest scratch: {100 * a['min'] / s['min']:.1f}%")
PY
first=$(du -sm "$W/first" | cut -f1)
both=$(du -smc "$W/first" "$W/g" | tail -1 | cut -f1)
echo "site of the earlier releases: ${first} MiB; new blocks after adding the last: $((both - first)) MiB"
