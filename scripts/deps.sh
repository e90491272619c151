#!/usr/bin/env bash
# Installs everything the build, the tests and the main job need on a fresh
# Debian 12 machine (run as root). Safe to run again: already-installed
# packages are skipped quickly.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git
  clang lld llvm libclang-rt-14-dev afl++
  zlib1g-dev libssl-dev libsodium-dev libpcap-dev libcriterion-dev
  tshark tcpdump mariadb-server mariadb-client openssl
  gcovr python3 zip
  gnuplot-nox liburiparser-dev libcurl4-openssl-dev time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from another packaging of the same name; only add it when absent.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # wireshark-common asks whether non-root users may capture; the answer does not matter here
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: the MariaDB Node.js connector (interop checks, capture client,
# live redirect tests).
for dir in tests/interop scripts tests/live/node; do
  if [ -f "$here/$dir/package.json" ] && [ ! -d "$here/$dir/node_modules" ]; then
    echo "deps: npm ci in $dir" >&2
    (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
