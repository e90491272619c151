#!/usr/bin/env bash
# check_install.sh BUILD_DIR: installs the build into a temporary prefix and
# builds consumers of libredir and of libredir-auth against it, with
# find_package(libredir) (libredir-auth shared and static) and with
# pkg-config, and runs them.
set -euo pipefail
build=${1:?usage: check_install.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/cmake/c"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/cmake/auth"
"$tmp/cmake/auth_static"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 "$here/main.c" $(pkg-config --cflags --libs libredir) -o "$tmp/pc"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/pc"
# shellcheck disable=SC2046
cc -std=c11 "$here/auth_main.c" $(pkg-config --cflags --libs libredir-auth) -o "$tmp/pc_auth"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/pc_auth"
# shellcheck disable=SC2046
cc -std=c11 "$here/auth_main.c" -Wl,-Bstatic $(pkg-config --libs-only-L libredir-auth) \
    -lredir-auth -Wl,-Bdynamic $(pkg-config --cflags --libs --static libredir-auth) \
    -o "$tmp/pc_auth_static"
"$tmp/pc_auth_static"
soname=$(readelf -d "$tmp/prefix/lib/libredir.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libredir.so.0 ] || { echo "unexpected SONAME '$soname'"; exit 1; }
echo "install: find_package and pkg-config consumers of libredir and libredir-auth ok, SONAME $soname"
