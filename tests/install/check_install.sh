#!/usr/bin/env bash
# check_install.sh BUILD_DIR: installs the build into a temporary prefix and
# builds two consumers against it, one with find_package(libredir), one with
# pkg-config, and runs both.
set -euo pipefail
build=${1:?usage: check_install.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/cmake/c"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 "$here/main.c" $(pkg-config --cflags --libs libredir) -o "$tmp/pc"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/pc"
soname=$(readelf -d "$tmp/prefix/lib/libredir.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libredir.so.0 ] || { echo "unexpected SONAME '$soname'"; exit 1; }
echo "install: find_package and pkg-config consumers ok, SONAME $soname"
