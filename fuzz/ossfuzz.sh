#!/bin/bash -eu
# Builds every fuzz target for OSS-Fuzz / ClusterFuzzLite: honours $CC $CFLAGS
# $CXX $CXXFLAGS and $LIB_FUZZING_ENGINE (libFuzzer, AFL++, honggfuzz alike)
# and ships each target with its seed corpus, dictionary and options.
src=$(cd "$(dirname "$0")/.." && pwd)
build=${WORK:-/tmp}/libredir-fuzz-build
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DREDIR_BUILD_TESTS=OFF -DREDIR_BUILD_BENCH=OFF -DREDIR_WERROR=OFF \
  -DREDIR_BUILD_FUZZERS=ON -DREDIR_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target redir_fuzzers
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  target=$(basename "$bin")
  name=${target#fuzz_}
  cp "$bin" "$OUT/$target"
  if [ -d "$src/fuzz/corpus/$name" ]; then
    (cd "$src/fuzz/corpus/$name" && zip -qj "$OUT/${target}_seed_corpus.zip" ./*)
  fi
  cp "$src/fuzz/redir.dict" "$OUT/$target.dict"
  if [ -f "$src/fuzz/options/$name.options" ]; then
    cp "$src/fuzz/options/$name.options" "$OUT/$target.options"
  fi
done
