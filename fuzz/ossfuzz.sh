#!/bin/bash -eu
# Builds every fuzz target for OSS-Fuzz / ClusterFuzzLite: honours $CC $CFLAGS
# $CXX $CXXFLAGS and $LIB_FUZZING_ENGINE (libFuzzer, AFL++, honggfuzz alike)
# and ships each target as $OUT/fuzz_<name> with fuzz_<name>_seed_corpus.zip,
# fuzz_<name>.dict and, where there is one, fuzz_<name>.options.
#
# The capture-reader targets need libpcap. The runner images have none, so
# when a libpcap source tree is at $SRC/libpcap (the Dockerfiles clone it) it
# is built here, static and instrumented, without the optional D-Bus, RDMA,
# Bluetooth, USB and netmap back ends; otherwise the system libpcap is used
# (enough for a local run of this script).
src=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp}
build=$work/libredir-fuzz-build

if [ -n "${SRC:-}" ] && [ -d "$SRC/libpcap" ]; then
  pcap_prefix=$work/libpcap-prefix
  cmake -S "$SRC/libpcap" -B "$work/libpcap-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_INSTALL_PREFIX="$pcap_prefix" \
    -DBUILD_SHARED_LIBS=OFF -DDISABLE_DBUS=ON -DDISABLE_RDMA=ON -DDISABLE_BLUETOOTH=ON \
    -DDISABLE_USB=ON -DDISABLE_NETMAP=ON -DDISABLE_DPDK=ON -DBUILD_WITH_LIBNL=OFF \
    -DENABLE_REMOTE=OFF
  cmake --build "$work/libpcap-build" --target install
  # only the static library, so that -lpcap cannot pick a shared one
  rm -f "$pcap_prefix"/lib/libpcap.so*
  export PKG_CONFIG_PATH=$pcap_prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
fi

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DREDIR_BUILD_TESTS=OFF -DREDIR_BUILD_BENCH=OFF -DREDIR_WERROR=OFF \
  -DREDIR_BUILD_FUZZERS=ON -DREDIR_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target redir_fuzzers

shipped=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  target=$(basename "$bin")
  name=${target#fuzz_}
  cp "$bin" "$OUT/$target"
  if [ -d "$src/fuzz/corpus/$name" ]; then
    rm -f "$OUT/${target}_seed_corpus.zip"
    (cd "$src/fuzz/corpus/$name" && zip -qj "$OUT/${target}_seed_corpus.zip" ./*)
  fi
  cp "$src/fuzz/redir.dict" "$OUT/$target.dict"
  if [ -f "$src/fuzz/options/$name.options" ]; then
    cp "$src/fuzz/options/$name.options" "$OUT/$target.options"
  fi
  shipped=$((shipped + 1))
done
expected=$(ls "$src"/fuzz/fuzz_*.c | grep -vc '/fuzz_common\.c$')
echo "ossfuzz: shipped $shipped of $expected targets to $OUT"
[ "$shipped" -eq "$expected" ]
