#!/usr/bin/env bash
# Rebuilds of real public projects, as a reviewer makes them: each project is
# released in one directory (a clone at a fixed tag, `vouch release` with the
# recorded build) and rebuilt by `vouch rebuild --trust` from another clone at
# a deeper path, in a network namespace, with an empty cargo home; and built
# bare (the same command and flags run directly in a fresh clone, no vouch),
# rebuild and bare build alternating, RUNS times each, for the overhead.
#
# Prints a table: project, reproduced or not, the named cause when not,
# release time, rebuild time and bare build time (wall clock, medians of the
# runs), the rebuild's overhead over the bare build as the ratio of the median
# wall-clock times and of the median CPU times (user + system of every process
# below, which other load on a shared machine moves much less), and the
# number of runs. Not a timed test, not in CI.
#
# usage: bench/rebuilds.sh [PROJECT...]   (default: all of the corpus below)
# needs: the corpus as bare git directories under $MIRRORS/<owner>+<name>/repo
#        (clones of github.com/madler/zlib, json-c/json-c, BurntSushi/ripgrep,
#        sharkdp/fd, sharkdp/hyperfine, sharkdp/hexyl), git, make, cmake, cc,
#        cargo, unshare, python3; network once, for `cargo fetch`.
# env:   VOUCH (default: target/debug/vouch of this checkout),
#        BENCH_DIR (default: /dev/shm/vouch-bench-rebuilds; removed at the end
#        unless KEEP=1), MIRRORS (default: /work/.mirror),
#        RUNS (override every project's number of rebuild/bare pairs).
set -euo pipefail
cd "$(dirname "$0")/.."
VOUCH=${VOUCH:-$PWD/target/debug/vouch}
MIRRORS=${MIRRORS:-/work/.mirror}
BENCH_DIR=${BENCH_DIR:-/dev/shm/vouch-bench-rebuilds}
OUT="$PWD/bench/out"
mkdir -p "$OUT"
[ -x "$VOUCH" ] || { echo "no vouch binary at $VOUCH: cargo build -p vouch-cli first" >&2; exit 2; }

# name | mirror | tag | version | artifact | CFLAGS ("-" for none) | runs | command...
# A name ending in "-copy" rebuilds from a plain copy of the tagged tree
# (`git archive`, no .git) instead of a clone, to show what a build reading
# git metadata does then (and the cause vouch names); it has no bare build
# and is run only when named.
CORPUS=(
  "zlib|madler+zlib|v1.3.1|1.3.1|build/libz.a|-O2 -g|3|sh -c 'cmake -S . -B build && cmake --build build --target zlibstatic'"
  "json-c|json-c+json-c|json-c-0.18-20240915|0.18|build/libjson-c.so.5.4.0|-O2 -g|3|sh -c 'cmake -S . -B build -DBUILD_STATIC_LIBS=OFF -DBUILD_TESTING=OFF && cmake --build build'"
  "ripgrep|BurntSushi+ripgrep|15.2.0|15.2.0|target/release/rg|-|1|cargo build --release --locked"
  "fd|sharkdp+fd|v10.4.2|10.4.2|target/release/fd|-|1|cargo build --release --locked"
  "hyperfine|sharkdp+hyperfine|v1.20.0|1.20.0|target/release/hyperfine|-|1|cargo build --release --locked"
  "hexyl|sharkdp+hexyl|v0.17.0|0.17.0|target/release/hexyl|-|1|cargo build --release --locked"
  "ripgrep-copy|BurntSushi+ripgrep|15.2.0|15.2.0|target/release/rg|-|1|cargo build --release --locked"
)

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
KEYS="$BENCH_DIR/keys"
"$VOUCH" key generate --out "$KEYS" --name release --unencrypted > /dev/null 2>&1
PUB=$(sed -n 2p "$KEYS/release.pub")
printf '[keys.vendor]\npublic = "%s"\nroles = ["release"]\n\n[roles.release]\nthreshold = 1\n' "$PUB" > "$BENCH_DIR/trust.toml"
# The vendor's cargo home: the locked crates are fetched into it once, with
# the network; every build after that runs offline.
VENDOR_CARGO_HOME="$BENCH_DIR/cargo-home"
mkdir -p "$VENDOR_CARGO_HOME"

now() { date +%s.%N; }
# timed FILE COMMAND...: runs COMMAND (its redirections are the caller's) and
# writes to FILE its wall-clock seconds and the CPU seconds (user + system)
# of every process it waited for, itself and all below.
timed() {
  python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{time.monotonic() - t} {r.ru_utime + r.ru_stime}\n")
sys.exit(rc)' "$@"
}
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
fmt() { python3 -c "print(f'{$1:.1f}')"; }

ROWS=()
want=("$@")
for entry in "${CORPUS[@]}"; do
  IFS='|' read -r name mirror tag version artifact cflags runs command <<< "$entry"
  if [ ${#want[@]} -gt 0 ]; then
    [[ " ${want[*]} " == *" $name "* ]] || continue
  elif [[ $name == *-copy ]]; then continue; fi
  runs=${RUNS:-$runs}
  repo="$MIRRORS/$mirror/repo"
  [ -d "$repo" ] || { echo "== $name: $repo missing (clone github.com/${mirror/+//} there first)" >&2; exit 2; }
  eval "cmd=($command)"
  dir="$BENCH_DIR/$name"
  mkdir -p "$dir"
  clone() { git clone -q "$repo" "$1" && git -C "$1" -c advice.detachedHead=false checkout -q "$tag"; }
  envs=(env -u CFLAGS -u CXXFLAGS -u RUSTFLAGS -u CARGO_TARGET_DIR CARGO_HOME="$VENDOR_CARGO_HOME"
    SOURCE_DATE_EPOCH="$(git --git-dir="$repo" log -1 --format=%ct "$tag")")
  [ "$cflags" != "-" ] && envs+=(CFLAGS="$cflags")
  deps=()
  echo "== $name $version: ${cmd[*]} ($runs runs)" >&2
  clone "$dir/vendor/$name"
  if [ "${cmd[0]}" = cargo ]; then
    deps=(--include-dependencies)
    (cd "$dir/vendor/$name" && "${envs[@]}" cargo fetch --locked -q)
    envs+=(CARGO_NET_OFFLINE=true)
  fi

  # 1. The vendor's release.
  t0=$(now)
  "${envs[@]}" "$VOUCH" release --source "$dir/vendor/$name" --name "$name" --version "$version" --key "$KEYS/release.key" \
    --out "$dir/bundles" --artifact "$artifact" --include-artifacts "${deps[@]}" -- "${cmd[@]}" > "$dir/release.out" 2>&1 \
    || { echo "release of $name failed: $dir/release.out" >&2; tail -20 "$dir/release.out" >&2; exit 1; }
  t1=$(now)
  rm -rf "$dir/vendor"

  # 2. The reviewer's clone (or a plain copy), deeper.
  src="$dir/reviewer/checkouts/x/y/$name"
  if [[ $name == *-copy ]]; then
    mkdir -p "$src"
    git --git-dir="$repo" archive "$tag" | tar -x -C "$src"
  else
    clone "$src"
  fi
  mkdir -p "$dir/empty-cargo-home"

  # 3. Rebuild, then bare build, alternating.
  rebuilds=() bares=() rebuild_cpu=() bare_cpu=() codes=()
  for i in $(seq "$runs"); do
    set +e
    timed "$dir/t" env -u SOURCE_DATE_EPOCH CARGO_HOME="$dir/empty-cargo-home" unshare -rn -- "$VOUCH" rebuild \
      "$dir/bundles/$name-$version" --source "$src" --trust "$BENCH_DIR/trust.toml" --workdir "$dir/work" --format json \
      > "$dir/rebuild.$i.json" 2> "$dir/rebuild.$i.err"
    rc=$?
    set -e
    read -r w c < "$dir/t"
    rm -rf "$dir/work"
    rebuilds+=("$w") rebuild_cpu+=("$c") codes+=("$rc")
    [ "$rc" = 0 ] || first_bad=${first_bad:-$i}
    if [[ $name != *-copy ]]; then
      clone "$dir/bare/$name"
      (cd "$dir/bare/$name" && timed "$dir/t" "${envs[@]}" "${cmd[@]}" > "$dir/bare.out" 2>&1) \
        || { echo "bare build of $name failed: $dir/bare.out" >&2; exit 1; }
      read -r w c < "$dir/t"
      rm -rf "$dir/bare"
      bares+=("$w") bare_cpu+=("$c")
    fi
    echo "   run $i: rebuild exit $rc, $(fmt "${rebuilds[-1]}") s (CPU $(fmt "${rebuild_cpu[-1]}") s); bare $( [ ${#bares[@]} -gt 0 ] && echo "$(fmt "${bares[-1]}") s (CPU $(fmt "${bare_cpu[-1]}") s)" || echo -)" >&2
  done
  rm -rf "$dir/reviewer"

  ok=0; for c in "${codes[@]}"; do [ "$c" = 0 ] && ok=$((ok + 1)); done
  cause=""
  if [ "$ok" = "$runs" ]; then result=yes
  else
    result="no ($ok of $runs)"
    [ "$runs" = 1 ] && result=no
    i=${first_bad}
    case ${codes[$((i - 1))]} in
      1) cause=$(python3 -c "
import json,sys
r=json.load(open('$dir/rebuild.$i.json'))
c=[f\"{x['kind']} ({x['side']}): {x['found'][:60]!r}\" for a in r['artifacts'] for x in a.get('causes',[])]
print(('; '.join(c) if c else 'none named').replace('|', '/'))" 2>/dev/null || echo "see $dir/rebuild.$i.err") ;;
      *) cause="error: $(grep -m1 -i -e error -e refus "$dir/rebuild.$i.err" | cut -c1-90)" ;;
    esac
  fi
  unset first_bad
  rel=$(fmt "$t1 - $t0"); reb=$(median "${rebuilds[@]}")
  if [ ${#bares[@]} = 0 ]; then bare="-"; over="-"; cpu_over="-"; else
    bare=$(median "${bares[@]}")
    over=$(python3 -c "print(f'{$reb / $bare * 100 - 100:+.0f}%')")
    cpu_over=$(python3 -c "print(f'{$(median "${rebuild_cpu[@]}") / $(median "${bare_cpu[@]}") * 100 - 100:+.0f}%')")
    bare=$(fmt "$bare")
  fi
  ROWS+=("| $name $version | $result | $cause | $rel | $(fmt "$reb") | $bare | $over | $cpu_over | $runs |")
  echo "${ROWS[-1]}" >&2
done

{
  echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; vouch: $VOUCH"
  echo
  echo "| project | reproduced | named cause | release s | rebuild s | bare build s | rebuild overhead (wall) | rebuild overhead (CPU) | runs |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/rebuilds.md"
[ "${KEEP:-0}" = 1 ] || rm -rf "$BENCH_DIR"
