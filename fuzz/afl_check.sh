#!/usr/bin/env bash
# Builds every harness with AFL++ (afl-clang-fast, persistent mode through the
# standalone driver) and fuzzes one of them for a few seconds, proving the
# AFL++ build works from the same sources as libFuzzer's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/afl
mkdir -p "$out"
export AFL_QUIET=1
CC=afl-clang-fast
lib_src=$(ls "$root"/libredir/*.c)
for src in "$root"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  [ "$name" = fuzz_common ] && continue
  case "$name" in fuzz_dump*|fuzz_pcap*) continue ;; esac
  # shellcheck disable=SC2086
  $CC -O1 -g -std=c11 -D_DEFAULT_SOURCE -DREDIR_BUILDING_LIBRARY -DREDIR_VERSION_STRING='"afl"' \
    -I"$root/include" -I"$root/libredir" -I"$root/fuzz" \
    $lib_src "$root/fuzz/fuzz_common.c" "$root/fuzz/standalone_main.c" "$src" \
    -lz -o "$out/$name" 2>"$out/$name.log" || { cat "$out/$name.log"; exit 1; }
done
echo "afl: built $(ls "$out" | grep -vc '\.log$') harnesses"
target=ok
seeds=$root/fuzz/corpus/$target
[ -d "$seeds" ] || { seeds=$(mktemp -d); printf '\x00\x00\x00\x00\x00\x02\x00\x00\x00' >"$seeds/seed"; }
rm -rf "$out/findings"
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
  timeout 40 afl-fuzz -V 15 -i "$seeds" -o "$out/findings" -x "$root/fuzz/redir.dict" \
  -- "$out/fuzz_$target" >"$out/afl-run.log" 2>&1 || true
stats=$out/findings/default/fuzzer_stats
[ -f "$stats" ] || { tail -n 30 "$out/afl-run.log"; exit 1; }
execs=$(awk -F: '/execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
crashes=$(awk -F: '/saved_crashes/ {gsub(/ /,"",$2); print $2}' "$stats")
echo "afl: fuzz_$target ran $execs executions, $crashes crashes"
[ "${crashes:-0}" = 0 ] && [ "${execs:-0}" -gt 0 ]
