#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each, JOBS at a time
# (default: the number of CPUs), seeded with its corpus (copied, so the
# committed corpus is not modified), its dictionary and options. Crashes and
# property failures land in DIR/artifacts and fail the run; every target's
# execution count is printed.
set -uo pipefail
dir=${1:?usage: run_fuzzers.sh BUILD_FUZZ_DIR [SECONDS] [JOBS]}
seconds=${2:-20}
jobs=${3:-$(nproc 2>/dev/null || echo 2)}
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir/artifacts"

run_one() {  # binary -> writes $work/<name>.result
  local bin=$1 name short
  name=$(basename "$bin")
  short=${name#fuzz_}
  mkdir -p "$work/$short"
  [ -d "$src/corpus/$short" ] && cp "$src/corpus/$short"/* "$work/$short/" 2>/dev/null
  local max_len=4096
  if [ -f "$src/options/$short.options" ]; then
    max_len=$(awk -F= '/max_len/ {gsub(/ /,"",$2); print $2}' "$src/options/$short.options")
  fi
  local opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -max_len="${max_len:-4096}" -dict="$src/redir.dict"
              -artifact_prefix="$dir/artifacts/$name-")
  if ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$bin" "${opts[@]}" "$work/$short" >"$work/$name.log" 2>&1; then
    local execs
    execs=$(grep -a 'stat::number_of_executed_units' "$work/$name.log" | grep -oE '[0-9]+$')
    echo "fuzz $name: ok (${execs:-?} executions in ${seconds}s)" >"$work/$name.result"
  else
    { echo "fuzz $name: FAILED"; grep -a -B2 -A25 -m1 -E 'ERROR:|runtime error|property failed' \
        "$work/$name.log" || tail -n 40 "$work/$name.log"; } >"$work/$name.result"
  fi
}

bins=()
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] && bins+=("$bin")
done
[ "${#bins[@]}" -gt 0 ] || { echo "no fuzz targets in $dir"; exit 1; }

running=0
for bin in "${bins[@]}"; do
  run_one "$bin" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

status=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  cat "$work/$name.result"
  grep -q ': ok (' "$work/$name.result" || status=1
done
echo "fuzz: ${#bins[@]} targets, $(grep -l ': ok (' "$work"/*.result | wc -l) passed"
exit $status
