#!/usr/bin/env bash
# The benchmark suite: codec micro-benchmarks against liburiparser, libcurl
# and memcpy, and `redir dump` against tshark on generated captures. Every
# figure is measured side by side with its peer in the same run and reported
# with the ratio; nothing here asserts a timing.
#
#   bash bench/run.sh [--quick] [--build-dir DIR] [--out DIR]
#
# Without --build-dir it configures and builds a Release tree in build/bench.
# --quick (CI): short repetitions and one 2 MB capture, to prove the suite
# works in under a minute on two cores. The full run uses 10 MB, 100 MB and
# 1 GB captures; tshark is run on those up to TSHARK_MAX_MB (default 100: on
# two cores `tshark -T json` needs about an hour per GB). Results go to --out (default build/bench-results): codec.csv,
# dump.csv, ratios.csv, machine.txt and the plots dump_time.png and
# dump_rss.png; the tables are printed too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=0
build=""
out=$root/build/bench-results
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --build-dir) build=$2; shift ;;
    --build-dir=*) build=${1#*=} ;;
    --out) out=$2; shift ;;
    --out=*) out=${1#*=} ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$build" ]; then
    build=$root/build/bench
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREDIR_BUILD_TESTS=OFF \
        >/dev/null
    nice cmake --build "$build" -j2 --target redir redir_codec_bench redir_gen_capture >/dev/null
fi
redir=$build/tools/redir
gen=$build/bench/redir_gen_capture
codec=$build/bench/redir_codec_bench
for b in "$redir" "$gen"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing (build it first)" >&2; exit 1; }
done
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "kernel: $(uname -r)"
    echo "tshark: $(tshark --version 2>/dev/null | head -n 1 || echo missing)"
    echo "mode: $([ $quick = 1 ] && echo quick || echo full)"
} >"$out/machine.txt"
echo "== machine"
cat "$out/machine.txt"

# ------------------------------------------------------------ codecs
echo
echo "== codec micro-benchmarks (ns per call; allocations per call)"
if [ -x "$codec" ]; then
    if [ $quick = 1 ]; then
        "$codec" --quick --csv "$out/codec.csv"
    else
        "$codec" --csv "$out/codec.csv"
    fi
    # Ratios against the peers, from the minimum times.
    awk -F, 'NR > 1 { t[$2] = $3 }
        END {
            printf "ratios: connector vs liburiparser %.1fx, vs curl_url_set %.1fx; ", \
                t["liburiparser"] / t["redir connector"], t["libcurl curl_url_set"] / t["redir connector"]
            printf "server validator vs liburiparser %.1fx\n", t["liburiparser"] / t["redir mariadb-server"]
            printf "ok+3: decode+walk %.1fx memcpy, decode+extract %.1fx memcpy\n", \
                t["redir decode+walk"] / t["memcpy (floor)"], t["redir decode+extract"] / t["memcpy (floor)"]
        }' "$out/codec.csv"
else
    echo "(not built: liburiparser-dev or libcurl4-openssl-dev missing)"
fi

# ------------------------------------------------------------ dump vs tshark
if [ $quick = 1 ]; then sizes="2"; else sizes="10 100 1000"; fi
tshark_max_mb=${TSHARK_MAX_MB:-100}
have_tshark=0
command -v tshark >/dev/null && have_tshark=1
echo "capture_mb,tool,run,seconds,cpu_seconds,peak_rss_mb,output_lines" >"$out/dump.csv"

# measure MB TOOL RUN CMD...: wall time, CPU time (user + system: what a busy
# machine distorts least) and peak RSS of CMD, its stdout lines counted.
measure() {
    local mb=$1 tool=$2 run=$3
    shift 3
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" 2>/dev/null | wc -l >"$tmp/lines" || true
    local secs user sys kb
    read -r secs user sys kb <"$tmp/time"
    printf '%s,%s,%s,%s,%.2f,%.1f,%s\n' "$mb" "$tool" "$run" "$secs" \
        "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)" \
        "$(cat "$tmp/lines")" >>"$out/dump.csv"
}

for mb in $sizes; do
    cap=$build/bench-capture-${mb}MB.pcap
    if [ ! -f "$cap" ]; then
        "$gen" --out "$cap" --size $((mb * 1000000)) --flows 400 2>>"$out/captures.txt"
    fi
    measure "$mb" redir json "$redir" dump --json -r "$cap"
    measure "$mb" redir text "$redir" dump -r "$cap"
    measure "$mb" redir only-redirect-err "$redir" dump --only redirect,err -r "$cap"
    if [ $have_tshark = 1 ] && [ "$mb" -le "$tshark_max_mb" ]; then
        measure "$mb" tshark json tshark -r "$cap" -Y mysql -T json
        measure "$mb" tshark fields3 tshark -r "$cap" -Y mysql -T fields -e frame.time_epoch \
            -e mysql.command -e mysql.query
        measure "$mb" tshark only-redirect-err tshark -r "$cap" \
            -Y 'mysql.error_code || mysql.session_track.sysvar.name' -T fields -e frame.number \
            -e mysql.error_code -e mysql.session_track.sysvar.value
    fi
done

echo
echo "== redir dump vs tshark (seconds, peak RSS MB, output lines)"
column -t -s, "$out/dump.csv"

# Ratios per capture size: tshark's time (CPU time, memory) over redir's.
awk -F, 'NR > 1 { k = $1 "," $2 "," $3; s[k] = $4; c[k] = $5; m[k] = $6; mbs[$1] = 1 }
    function r(a, b) { return (b > 0) ? a / b : 0 }
    END {
        print "capture_mb,metric,json_vs_tshark_json,json_vs_tshark_fields3,only_vs_tshark_filter"
        for (mb in mbs) {
            if (!((mb ",tshark,json") in s)) continue
            printf "%s,wall,%.0f,%.0f,%.0f\n", mb, r(s[mb ",tshark,json"], s[mb ",redir,json"]),
                r(s[mb ",tshark,fields3"], s[mb ",redir,json"]),
                r(s[mb ",tshark,only-redirect-err"], s[mb ",redir,only-redirect-err"])
            printf "%s,cpu,%.0f,%.0f,%.0f\n", mb, r(c[mb ",tshark,json"], c[mb ",redir,json"]),
                r(c[mb ",tshark,fields3"], c[mb ",redir,json"]),
                r(c[mb ",tshark,only-redirect-err"], c[mb ",redir,only-redirect-err"])
            printf "%s,peak_rss,%.1f,%.1f,%.1f\n", mb, r(m[mb ",tshark,json"], m[mb ",redir,json"]),
                r(m[mb ",tshark,fields3"], m[mb ",redir,json"]),
                r(m[mb ",tshark,only-redirect-err"], m[mb ",redir,only-redirect-err"])
        }
    }' "$out/dump.csv" | sort -t, -k1,1n -k2,2 >"$out/ratios.csv"
if [ $have_tshark = 1 ]; then
    echo
    echo "== ratios: how many times less time / memory redir needs (time resolution 0.01 s)"
    column -t -s, "$out/ratios.csv"
fi

# ------------------------------------------------------------ plots
if command -v gnuplot >/dev/null; then
    for what in time rss; do
        col=5
        label="CPU seconds (user + system)"
        if [ $what = rss ]; then col=6; label="peak RSS (MB)"; fi
        for series in "redir json" "redir text" "redir only-redirect-err" "tshark json" \
            "tshark fields3" "tshark only-redirect-err"; do
            set -- $series
            awk -F, -v t="$1" -v r="$2" -v c=$col '$2 == t && $3 == r { print $1, $c }' \
                "$out/dump.csv" | sort -n >"$tmp/$1-$2.dat"
        done
        gnuplot <<EOF
set terminal png size 900,600
set output "$out/dump_$what.png"
set title "redir dump vs tshark: $label against capture size"
set xlabel "capture size (MB)"
set ylabel "$label"
set logscale xy
set key top left
set grid
plot "$tmp/redir-json.dat" with linespoints title "redir dump --json", \
     "$tmp/redir-text.dat" with linespoints title "redir dump (text)", \
     "$tmp/redir-only-redirect-err.dat" with linespoints title "redir dump --only redirect,err", \
     "$tmp/tshark-json.dat" with linespoints title "tshark -T json -Y mysql", \
     "$tmp/tshark-fields3.dat" with linespoints title "tshark -T fields (3 fields)", \
     "$tmp/tshark-only-redirect-err.dat" with linespoints title "tshark -Y error_code||sysvar -T fields"
EOF
    done
    echo
    echo "plots: $out/dump_time.png $out/dump_rss.png"
fi

# ------------------------------------------------------------ serve (targets 5, 6)
echo
if "$redir" help serve >/dev/null 2>&1; then
    echo "== redir serve: present; its benchmarks (redirects per second, proxy vs redirect) are not in this suite yet"
else
    echo "== redir serve: not available in this build; serve throughput and proxy-vs-redirect are not measured"
fi
echo
echo "results in $out"
