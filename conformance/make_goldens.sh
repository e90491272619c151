#!/bin/sh
# Regenerates conformance/<capture>.golden from tshark's MySQL dissector.
#
#   conformance/make_goldens.sh [PCAP_DIR] [CAPTURE...]
#
# Needs tshark (Debian: tshark) and python3. Run once when captures are added;
# the goldens are committed and the test suite never needs tshark. Review
# lines ({"review": ...}) of an existing golden are kept: they hold the
# hand-checked corrections described in conformance/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pcaps=${1:-$root/pcaps}
[ $# -gt 0 ] && shift
command -v tshark >/dev/null || { echo "make_goldens.sh: tshark is required" >&2; exit 2; }
version=$(tshark --version 2>/dev/null | head -n 1 | sed 's/^TShark (Wireshark) \([^ ]*\).*/\1/')

# ports_for NAME CAPTURE prints the ports of every ports.conf line whose
# pattern matches NAME; "auto" stands for every port that answered a SYN.
ports_for() {
    grep -v '^#' "$here/ports.conf" | while read -r pattern rest; do
        [ -n "$pattern" ] || continue
        # shellcheck disable=SC2254
        case "$1" in
        $pattern)
            for p in $rest; do
                if [ "$p" = auto ]; then
                    tshark -r "$2" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' \
                        -T fields -e tcp.srcport 2>/dev/null
                else
                    echo "$p"
                fi
            done
            ;;
        esac
    done | sort -un
}

if [ $# -gt 0 ]; then
    list=$*
else
    list=""
    for f in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
        [ -f "$f" ] && list="$list $(basename "$f")"
    done
fi
for name in $list; do
    cap=$pcaps/$name
    args=""
    for p in $(ports_for "$name" "$cap"); do
        args="$args -d tcp.port==$p,mysql"
    done
    golden=$here/$name.golden
    tmp=$golden.tmp
    # shellcheck disable=SC2086
    tshark -r "$cap" $args -o tcp.desegment_tcp_streams:TRUE -o mysql.desegment_buffers:TRUE \
        -T pdml -Y mysql 2>/dev/null |
        python3 "$here/tshark2golden.py" "$name" "$version" "${args# }" > "$tmp"
    if [ -f "$golden" ]; then
        grep '^{"review"' "$golden" >> "$tmp" || true
    fi
    mv "$tmp" "$golden"
    echo "$name: $(grep -c '"kind"' "$golden") PDUs, $(grep -c '^{"review"' "$golden" || true) review lines"
done
