#!/usr/bin/env bash
# Builds every harness with AFL++ (afl-clang-fast, persistent mode through the
# standalone driver) from the same sources as the libFuzzer build, checks
# that each replays its corpus, and fuzzes one of them for a few seconds.
# Output goes to build/afl (or $1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/afl}
mkdir -p "$out/obj"
rm -f "$out/build.log"
export AFL_QUIET=1
CC=afl-clang-fast
cflags=(-O1 -g -std=c11 -D_DEFAULT_SOURCE -I"$root/include" -I"$root/libredir" -I"$root/fuzz")

# The library, the shared fuzz helpers and the dump component, compiled once.
objs=()
for src in "$root"/libredir/*.c "$root/fuzz/fuzz_common.c" "$root/fuzz/standalone_main.c"; do
  obj=$out/obj/$(basename "$src" .c).o
  $CC "${cflags[@]}" -DREDIR_BUILDING_LIBRARY -DREDIR_VERSION_STRING='"afl"' -c "$src" -o "$obj" \
    2>>"$out/build.log" || { tail -n 30 "$out/build.log"; exit 1; }
  objs+=("$obj")
done
dump_objs=()
if compgen -G "$root/tools/dump/*.c" >/dev/null && pkg-config --exists libpcap; then
  for src in "$root"/tools/dump/*.c; do
    obj=$out/obj/dump_$(basename "$src" .c).o
    if $CC "${cflags[@]}" -I"$root/tools/dump" -c "$src" -o "$obj" 2>>"$out/build.log"; then
      dump_objs+=("$obj")
    else
      dump_objs=()
      echo "afl: tools/dump does not build; dump harnesses skipped" >&2
      break
    fi
  done
fi

built=0
for src in "$root"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  [ "$name" = fuzz_common ] && continue
  extra=()
  case "$name" in
    fuzz_dump*|fuzz_pcap*)
      [ "${#dump_objs[@]}" -gt 0 ] || continue
      extra=(-I"$root/tools/dump" "${dump_objs[@]}" $(pkg-config --libs libpcap libsodium)) ;;
  esac
  $CC "${cflags[@]}" "$src" "${objs[@]}" "${extra[@]}" -lz -o "$out/$name" \
    2>>"$out/build.log" || { tail -n 30 "$out/build.log"; exit 1; }
  # every AFL++ binary replays its corpus (stdin mode is AFL's, files are ours)
  short=${name#fuzz_}
  if [ -d "$root/fuzz/corpus/$short" ]; then
    "$out/$name" "$root/fuzz/corpus/$short" 2>"$out/$name.replay.log" ||
      { echo "afl: $name failed to replay its corpus"; tail -n 20 "$out/$name.replay.log"; exit 1; }
  fi
  built=$((built + 1))
done
echo "afl: built $built harnesses, each replayed its corpus"

target=${AFL_TARGET:-ok}
seeds=$root/fuzz/corpus/$target
rm -rf "$out/findings"
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
  timeout 40 afl-fuzz -V "${AFL_SECONDS:-15}" -i "$seeds" -o "$out/findings" \
  -x "$root/fuzz/redir.dict" -- "$out/fuzz_$target" >"$out/afl-run.log" 2>&1 || true
stats=$out/findings/default/fuzzer_stats
[ -f "$stats" ] || { tail -n 30 "$out/afl-run.log"; exit 1; }
execs=$(awk -F: '/execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
crashes=$(awk -F: '/saved_crashes/ {gsub(/ /,"",$2); print $2}' "$stats")
echo "afl: fuzz_$target ran $execs executions, $crashes crashes"
[ "${crashes:-0}" = 0 ] && [ "${execs:-0}" -gt 0 ]
