#!/usr/bin/env bash
# Rebuilds of real public projects, as a reviewer makes them: each project is
# released in one directory (a clone at a fixed tag, `vouch release` with the
# recorded build) and rebuilt by `vouch rebuild --trust` from another clone at
# a deeper path, offline, with an empty cargo home; then built bare (the same
# command in a third clone, no vouch) for the overhead.
#
# Prints a table: project, reproduced or not, the named cause when not,
# release time, rebuild time, bare build time and the rebuild's overhead over
# the bare build. Not a timed test, not in CI.
#
# usage: bench/rebuilds.sh [PROJECT...]   (default: all of the corpus below)
# needs: the corpus fetched as bare git directories under /work/.mirror
#        (the session's `fetch` tool: github:madler/zlib, github:BurntSushi/ripgrep,
#        github:sharkdp/fd, github:sharkdp/hyperfine, github:sharkdp/hexyl), git, make, cc,
#        cargo with network for `cargo vendor` at release time.
# env:   VOUCH (default: target/debug/vouch of this checkout),
#        BENCH_DIR (default: /dev/shm/vouch-bench-rebuilds; removed at the end
#        unless KEEP=1), MIRRORS (default: /work/.mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
VOUCH=${VOUCH:-$PWD/target/debug/vouch}
MIRRORS=${MIRRORS:-/work/.mirror}
BENCH_DIR=${BENCH_DIR:-/dev/shm/vouch-bench-rebuilds}
OUT="$PWD/bench/out"
mkdir -p "$OUT"
[ -x "$VOUCH" ] || { echo "no vouch binary at $VOUCH: cargo build -p vouch-cli first" >&2; exit 2; }

# name | mirror | tag | version | artifact | CFLAGS ("-" for none) | command...
# A name ending in "-copy" rebuilds from a plain copy of the tagged tree
# (`git archive`, no .git) instead of a clone, to show what a build reading
# git metadata does then (and the cause vouch names); it has no bare build.
CORPUS=(
  "zlib|madler+zlib|v1.3.1|1.3.1|libz.a|-O2 -g|sh -c './configure --static && make'"
  "ripgrep|BurntSushi+ripgrep|15.2.0|15.2.0|target/release/rg|-|cargo build --release --locked"
  "fd|sharkdp+fd|v10.4.2|10.4.2|target/release/fd|-|cargo build --release --locked"
  "hyperfine|sharkdp+hyperfine|v1.20.0|1.20.0|target/release/hyperfine|-|cargo build --release --locked"
  "hexyl|sharkdp+hexyl|v0.17.0|0.17.0|target/release/hexyl|-|cargo build --release --locked"
  "ripgrep-copy|BurntSushi+ripgrep|15.2.0|15.2.0|target/release/rg|-|cargo build --release --locked"
)

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
KEYS="$BENCH_DIR/keys"
"$VOUCH" key generate --out "$KEYS" --name release --unencrypted > /dev/null 2>&1
PUB=$(sed -n 2p "$KEYS/release.pub")
printf '[keys.vendor]\npublic = "%s"\nroles = ["release"]\n\n[roles.release]\nthreshold = 1\n' "$PUB" > "$BENCH_DIR/trust.toml"

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

ROWS=()
want=("$@")
for entry in "${CORPUS[@]}"; do
  IFS='|' read -r name mirror tag version artifact cflags command <<< "$entry"
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  repo="$MIRRORS/$mirror/repo"
  [ -d "$repo" ] || { echo "== $name: $repo missing (fetch github:${mirror/+//} first); skipped" >&2; continue; }
  eval "cmd=($command)"
  dir="$BENCH_DIR/$name"
  mkdir -p "$dir"
  clone() { git clone -q "$repo" "$1" && git -C "$1" -c advice.detachedHead=false checkout -q "$tag"; }
  envs=(env -u CFLAGS -u CXXFLAGS -u RUSTFLAGS -u CARGO_TARGET_DIR SOURCE_DATE_EPOCH="$(git --git-dir="$repo" log -1 --format=%ct "$tag")")
  [ "$cflags" != "-" ] && envs+=(CFLAGS="$cflags")
  deps=()
  [ "${cmd[0]}" = cargo ] && deps=(--include-dependencies)
  echo "== $name $version: ${cmd[*]}" >&2

  # 1. The vendor's release.
  clone "$dir/vendor/$name"
  t0=$(now)
  "${envs[@]}" "$VOUCH" release --source "$dir/vendor/$name" --name "$name" --version "$version" --key "$KEYS/release.key" \
    --out "$dir/bundles" --artifact "$artifact" --include-artifacts "${deps[@]}" -- "${cmd[@]}" > "$dir/release.out" 2>&1 \
    || { echo "release of $name failed: $dir/release.out" >&2; tail -20 "$dir/release.out" >&2; continue; }
  t1=$(now)
  rm -rf "$dir/vendor/$name/target"

  # 2. The reviewer's rebuild: another clone (or a plain copy), deeper, an
  #    empty cargo home, no network.
  if [[ $name == *-copy ]]; then
    mkdir -p "$dir/reviewer/checkouts/x/y/$name"
    git --git-dir="$repo" archive "$tag" | tar -x -C "$dir/reviewer/checkouts/x/y/$name"
  else
    clone "$dir/reviewer/checkouts/x/y/$name"
  fi
  mkdir -p "$dir/empty-cargo-home"
  t2=$(now)
  set +e
  env -u SOURCE_DATE_EPOCH CARGO_HOME="$dir/empty-cargo-home" unshare -rn -- "$VOUCH" rebuild "$dir/bundles/$name-$version" \
    --source "$dir/reviewer/checkouts/x/y/$name" --trust "$BENCH_DIR/trust.toml" --workdir "$dir/work" --format json \
    > "$dir/rebuild.json" 2> "$dir/rebuild.err"
  rc=$?
  set -e
  t3=$(now)
  rm -rf "$dir/work"

  # 3. A bare build of the same tree: the same command and flags, no vouch.
  t4=0 t5=0
  if [[ $name != *-copy ]]; then
    clone "$dir/bare/$name"
    t4=$(now)
    (cd "$dir/bare/$name" && "${envs[@]}" CARGO_NET_OFFLINE=true "${cmd[@]}" > "$dir/bare.out" 2>&1) || echo "bare build of $name failed: $dir/bare.out" >&2
    t5=$(now)
  fi
  rm -rf "$dir/bare" "$dir/vendor" "$dir/reviewer"

  case $rc in
    0) result=yes; cause="" ;;
    1) result=no
       cause=$(python3 -c "
import json,sys
r=json.load(open('$dir/rebuild.json'))
c=[f\"{x['kind']} ({x['side']}): {x['found'][:60]!r}\" for a in r['artifacts'] for x in a.get('causes',[])]
print(('; '.join(c) if c else 'none named').replace('|', '/'))" 2>/dev/null || echo "see $dir/rebuild.err") ;;
    *) result="error"; cause=$(grep -m1 -i -e error -e refus "$dir/rebuild.err" | cut -c1-90) ;;
  esac
  rel=$(secs "$t0" "$t1"); reb=$(secs "$t2" "$t3")
  if [ "$t5" = 0 ]; then bare="-"; over="-"; else
    bare=$(secs "$t4" "$t5")
    over=$(python3 -c "print(f'{($t3 - $t2) / ($t5 - $t4) * 100 - 100:+.0f}%')")
  fi
  ROWS+=("| $name $version | $result | $cause | $rel | $reb | $bare | $over |")
  echo "${ROWS[-1]}" >&2
done

{
  echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); vouch: $VOUCH"
  echo
  echo "| project | reproduced | named cause | release s | rebuild s | bare build s | rebuild overhead |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/rebuilds.md"
[ "${KEEP:-0}" = 1 ] || rm -rf "$BENCH_DIR"
