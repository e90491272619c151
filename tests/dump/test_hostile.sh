#!/usr/bin/env bash
# test_hostile.sh REDIR: crafted captures cost `redir dump` about what benign
# captures of the same size cost. Each crafted capture is timed (user + system
# CPU) and measured (peak RSS) against its benign twin in the same run; the
# crafted one must stay within a small factor of it. Ratios, not timings: the
# quadratic and unbounded cases this guards against cost tens to hundreds of
# times more.
set -uo pipefail
redir=${1:?usage: test_hostile.sh REDIR}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
frames=${HOSTILE_FRAMES:-60000}

measure() {  # pcap -> "cpu_seconds peak_kib"
    /usr/bin/time -f "%U %S %M" -o "$work/t" "$redir" dump -r "$1" --json >/dev/null 2>&1
    awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$work/t"
}

pair() {  # benign crafted
    python3 "$here/gen_hostile.py" "$1" "$work/$1.pcap" "$frames"
    python3 "$here/gen_hostile.py" "$2" "$work/$2.pcap" "$frames"
    read -r bt bm < <(measure "$work/$1.pcap")
    read -r ht hm < <(measure "$work/$2.pcap")
    # CPU: within 4x plus 0.3 s of slack for process start-up noise;
    # memory: within 2x plus 16 MiB.
    local ok
    ok=$(awk -v bt="$bt" -v ht="$ht" -v bm="$bm" -v hm="$hm" \
        'BEGIN { print (ht <= 4 * bt + 0.3 && hm <= 2 * bm + 16384) ? 1 : 0 }')
    printf '%-8s vs %-8s cpu %6.3f s vs %6.3f s, peak %7d KiB vs %7d KiB\n' \
        "$2" "$1" "$ht" "$bt" "$hm" "$bm"
    if [ "$ok" != 1 ]; then
        echo "FAIL $2 costs too much against $1"
        failed=$((failed + 1))
    fi
}

command -v /usr/bin/time >/dev/null || { echo "FAIL /usr/bin/time missing"; exit 1; }
pair inorder hole
pair flows scatter
[ "$failed" -eq 0 ] && echo "hostile: all within bounds"
[ "$failed" -eq 0 ]
