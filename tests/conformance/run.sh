#!/bin/sh
# Conformance test: `redir dump --json --verify` over every capture in pcaps/,
# compared with the tshark-derived goldens in conformance/ (no tshark needed).
#
#   tests/conformance/run.sh [REDIR_BINARY]
#
# REDIR_BINARY defaults to $REDIR, then build/tools/redir. Prints one PASS or
# FAIL line per capture and ends with "conformance: N passed, M failed"; exits
# non-zero when anything failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
redir=${1:-${REDIR:-$root/build/tools/redir}}
conf=$root/conformance
pcaps=${PCAPS:-$root/pcaps}
command -v python3 >/dev/null || { echo "conformance: python3 is required" >&2; exit 2; }
[ -x "$redir" ] || { echo "conformance: no redir binary at $redir" >&2; exit 2; }

ports_for() {
    grep -v '^#' "$conf/ports.conf" | while read -r pattern rest; do
        [ -n "$pattern" ] || continue
        # shellcheck disable=SC2254
        # "auto": the handshake is captured; greeting detection finds the port
        case "$1" in $pattern) for p in $rest; do [ "$p" = auto ] || echo "$p"; done ;; esac
    done | sort -un
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0
for cap in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
    [ -f "$cap" ] || continue
    name=$(basename "$cap")
    golden=$conf/$name.golden
    if [ ! -f "$golden" ]; then
        echo "FAIL $name: no golden (run conformance/make_goldens.sh)"
        failed=$((failed + 1))
        continue
    fi
    set --
    for p in $(ports_for "$name"); do
        set -- "$@" -p "$p"
    done
    out=$tmp/$name.jsonl
    "$redir" dump --json --verify "$@" -r "$cap" > "$out" 2> "$tmp/err"
    rc=$?
    # 1 means --verify found differences: compare.py judges them against the
    # reviewed exceptions. Anything else is a crash or a usage error.
    if [ "$rc" -gt 1 ]; then
        echo "FAIL $name: redir dump exited with status $rc"
        sed 's/^/  /' "$tmp/err" | head -n 20
        failed=$((failed + 1))
        continue
    fi
    if python3 "$conf/compare.py" "$golden" "$out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
