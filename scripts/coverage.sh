#!/usr/bin/env bash
# Line and branch coverage of the library (libredir/) from the unit tests
# plus a replay of every fuzz corpus, measured with gcovr. Writes
# build/coverage/coverage.txt (per file) and prints the totals.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build
cmake --preset coverage -DREDIR_BUILD_BENCH=OFF >build/coverage.log 2>&1
cmake --build --preset coverage -j "$(nproc)" >>build/coverage.log 2>&1 || { tail -40 build/coverage.log; exit 1; }
find build/coverage -name '*.gcda' -delete
ctest --preset coverage -R '^(unit|fuzz_corpus_.*)$' >>build/coverage.log 2>&1 || { tail -40 build/coverage.log; exit 1; }
gcovr --root "$root" --filter "$root/libredir/" --object-directory build/coverage \
  --exclude-unreachable-branches --txt build/coverage/coverage.txt \
  --json-summary build/coverage/coverage.json build/coverage >/dev/null 2>>build/coverage.log
python3 - <<'PY'
import json
d = json.load(open("build/coverage/coverage.json"))
print("coverage of libredir/: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d)" % (
    d["line_percent"], d["line_covered"], d["line_total"],
    d["branch_percent"], d["branch_covered"], d["branch_total"]))
PY
