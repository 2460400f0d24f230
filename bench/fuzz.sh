#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/*.rs) for SECONDS each, one after
# the other, and prints one line per target: executions, executions per
# second, new corpus units and crashes.
#
# usage: bench/fuzz.sh SECONDS [TARGET...]   (default: every target)
# needs: the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked)
#
# Each target starts from its seeds (fuzz/corpus/<target>/) and regression
# inputs (fuzz/regressions/<target>/); what it discovers goes to a working
# corpus under fuzz/target/fuzz-corpus/<target>/ (kept between runs, never
# committed), crashes to fuzz/artifacts/<target>/. A run stops at the first
# crash of a target; fix it, copy the input to fuzz/regressions/<target>/,
# add a regression test named after it, and run again.
#
# Built without a sanitizer (`-s none`): vouch forbids unsafe code, so ASan
# would find nothing safe Rust does not already check, at half the speed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
fi
SECONDS_EACH=$1
shift
if [ $# -gt 0 ]; then TARGETS=("$@"); else
  TARGETS=()
  for f in fuzz/fuzz_targets/*.rs; do TARGETS+=("$(basename "$f" .rs)"); done
fi
OUT="$PWD/bench/out/fuzz"
mkdir -p "$OUT"
(cd fuzz && cargo +nightly fuzz build -s none >&2)

printf '%-16s %12s %10s %8s %8s\n' target executions exec/s corpus crashes
total=0
for t in "${TARGETS[@]}"; do
  work="fuzz/target/fuzz-corpus/$t"
  mkdir -p "$work" "fuzz/artifacts/$t"
  seeds=("fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && seeds+=("fuzz/regressions/$t")
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  log="$OUT/$t.log"
  # Corpus directories are given relative to fuzz/, where cargo fuzz runs libFuzzer.
  rel=()
  for s in "$work" "${seeds[@]}"; do rel+=("../$s"); done
  set +e
  (cd fuzz && cargo +nightly fuzz run -s none "$t" "${rel[@]}" -- \
      -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 >"$log" 2>&1)
  status=$?
  set -e
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  # libFuzzer's final line is `#N DONE ...`; -print_final_stats adds
  # `stat::number_of_executed_units: N`.
  execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  [ -n "$execs" ] || execs=0
  rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="?($status)"; fi
  printf '%-16s %12s %10s %8s %8s\n' "$t" "$execs" "${rate:-0}" "$units" "$crashes"
  total=$((total + execs))
done
printf '%-16s %12s\n' total "$total"
echo "logs: $OUT/<target>.log; crashes: fuzz/artifacts/<target>/" >&2
