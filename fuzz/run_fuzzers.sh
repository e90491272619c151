#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each, seeded with its corpus
# (copied, so the committed corpus is not modified) and the dictionary.
# Crashes and property failures land in DIR/artifacts and fail the run.
set -uo pipefail
dir=${1:?usage: run_fuzzers.sh BUILD_FUZZ_DIR SECONDS}
seconds=${2:-20}
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir/artifacts"
status=0
n=0
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  name=$(basename "$bin")
  short=${name#fuzz_}
  mkdir -p "$work/$short"
  [ -d "$src/corpus/$short" ] && cp "$src/corpus/$short"/* "$work/$short/" 2>/dev/null
  opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0
        -dict="$src/redir.dict" -artifact_prefix="$dir/artifacts/$name-")
  if ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$bin" "${opts[@]}" "$work/$short" >"$work/$name.log" 2>&1; then
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+|#[0-9]+' "$work/$name.log" | tail -1)
    echo "fuzz $name: ok ($execs)"
  else
    echo "fuzz $name: FAILED"
    tail -n 40 "$work/$name.log"
    status=1
  fi
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no fuzz targets in $dir"; exit 1; }
exit $status
