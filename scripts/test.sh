#!/usr/bin/env bash
# Builds libredir every way it is checked and runs every test:
#   1. gcc, warnings as errors: unit, CLI, conformance, symbol, header, corpus,
#      interop and live-server tests (ctest)
#   2. gcc with AddressSanitizer + UndefinedBehaviorSanitizer: the same suite
#   3. clang, warnings as errors: unit tests
#   4. libFuzzer (clang, ASan+UBSan): every harness for a bounded time; AFL++
#      builds every harness from the same sources and runs one briefly
#   5. coverage of the library (gcovr) from unit tests plus corpora
# Installs what it needs first (scripts/deps.sh). Exits non-zero if any step
# failed; the last line says how many steps passed and failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${REDIR_FUZZ_SECONDS:-20}

bash scripts/deps.sh || { echo "dependency installation failed" >&2; exit 1; }

passed=0
failed=0
failed_steps=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "=== $name: FAILED ($((SECONDS - t0)) s)"
  fi
}

build() {  # preset [extra cmake args...]
  local preset=$1
  shift
  cmake --preset "$preset" "$@" >"build-$preset.log" 2>&1 &&
    cmake --build --preset "$preset" -j "$jobs" >>"build-$preset.log" 2>&1 ||
    { tail -n 60 "build-$preset.log"; return 1; }
}

run_ctest() {  # preset [ctest args...]
  local preset=$1
  shift
  ctest --preset "$preset" -j "$jobs" "$@"
}

mkdir -p build
step "gcc build (-Werror)" build default
step "gcc tests" run_ctest default
step "asan+ubsan build" build asan
# The benchmarks count allocations with an interposer of their own, which
# cannot coexist with the sanitizer's allocator; they run in the gcc pass.
step "asan+ubsan tests" run_ctest asan -E '^(live_|interop_|install_|bench_)'
step "clang build (-Werror)" build clang -DREDIR_BUILD_BENCH=OFF
step "clang unit tests" run_ctest clang -R '^(unit|cxx_headers|library_symbols)$'
step "libFuzzer build" build fuzz
step "libFuzzer runs (${fuzz_seconds}s each)" bash fuzz/run_fuzzers.sh build/fuzz/fuzz "$fuzz_seconds"
step "AFL++ build and run" bash fuzz/afl_check.sh
step "coverage" bash scripts/coverage.sh

echo
echo "=== summary"
for s in "${failed_steps[@]}"; do echo "failed: $s"; done
mv build-*.log build/ 2>/dev/null || true
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
