#!/usr/bin/env bash
# drain.sh [--clients N] [--before SECONDS] [--after SECONDS] [--carrier C] [REDIR]
#
# The drain scenario, end to end, on loopback. Server A (mariadbd) serves a
# steady load of clients that reconnect after every query and retry on
# failure:
#   library  `redir probe` (the library's client engine) following redirects
#            over verified TLS: --tls --tls-verify --follow 2
#   old      the Debian `mariadb` command-line client (Connector/C), which
#            does not follow redirects
# Each runs `SELECT @@port, @@server_id`, so the answer names the server that
# ran it. Then the operator replaces A: A is shut down and `redir serve`
# listens on A's address with server B (a second mariadbd) as its target.
# New library clients are sent on to B; old clients get an error naming B.
#
# The report gives, per kind of client: queries answered by A and by B,
# errors before, during and after the switch, the longest time a client went
# without an answer, and how long after the switch began each kind was
# answered by B (library) or told about B (old). It then checks that
#   - every client was answered by A before the switch,
#   - every library client was answered by B afterwards, and none of their
#     attempts begun once redir serve listened failed,
#   - every old client's attempt begun once redir serve listened failed with
#     an error naming B (127.0.0.1:B's port).
# Exit status 0 when the checks pass, 1 otherwise, 77 without mariadbd.
#
#   --clients N      clients of each kind (default 3)
#   --before S       seconds of load on A before the switch (default 5)
#   --after S        seconds of load after the switch (default 8)
#   --carrier C      redir serve's carrier: session-track (default), err,
#                    location
#   REDIR            the redir tool (default: build/default/tools/redir, then
#                    redir on PATH)
# LIVE_KEEP=1 keeps the servers' and clients' logs (the path is printed).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ------------------------------------------------------------------ clients
# drain.sh --client KIND ID: one client's loop (run in the background by the
# main script); one line per attempt on stdout, times in ms since the epoch:
#   ID KIND START END ok PORT SERVER_ID    or    ID KIND START END err MESSAGE
now_ms() {
    local t=${EPOCHREALTIME/./}
    echo "${t:0:13}"
}

attempt_library() {
    local out rc
    out=$(timeout 15 "$DRAIN_REDIR" probe "mariadb://127.0.0.1:$DRAIN_PORT_A" \
        --user "$MARIADB_USER" --password "$MARIADB_PASSWORD" \
        --tls --tls-ca "$MARIADB_CA" --tls-verify --follow 2 --timeout 5 \
        --query 'SELECT @@port, @@server_id' --json 2>&1)
    rc=$?
    if (( rc == 0 )); then
        jq -r 'select(.event == "row") | "ok " + (.values | join(" "))' <<<"$out" | head -n 1
    else
        echo "err $(jq -r 'select(.event == "error") | .detail + " " + (.message // "")' \
            <<<"$out" 2>/dev/null | tr '\n' ' ')(exit $rc) $(grep -v '^{' <<<"$out" | tr '\n' ' ')"
    fi
}

attempt_old() {
    local out
    if out=$(timeout 15 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$DRAIN_PORT_A" \
            -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" \
            --ssl --ssl-ca="$MARIADB_CA" --ssl-verify-server-cert --connect-timeout=5 \
            --batch --skip-column-names -e 'SELECT @@port, @@server_id' 2>&1); then
        echo "ok ${out//$'\t'/ }"
    else
        echo "err ${out//$'\n'/ }"
    fi
}

if [[ ${1:-} == --client ]]; then
    kind=$2 id=$3
    until [[ -e $DRAIN_STOP ]]; do
        start=$(now_ms)
        result=$("attempt_$kind")
        echo "$id $kind $start $(now_ms) $result"
        sleep "$DRAIN_PAUSE"
    done
    exit 0
fi

# ----------------------------------------------------------------- operator
clients=3 before=5 after=8 carrier=session-track redir=
usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
}
while (( $# > 0 )); do
    case $1 in
        --clients) clients=${2:?}; shift 2 ;;
        --before) before=${2:?}; shift 2 ;;
        --after) after=${2:?}; shift 2 ;;
        --carrier) carrier=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "drain.sh: unknown option '$1'" >&2; usage ;;
        *) redir=$1; shift ;;
    esac
done
if [[ -z $redir ]]; then
    if [[ -x $root/build/default/tools/redir ]]; then
        redir=$root/build/default/tools/redir
    else
        redir=$(command -v redir) || { echo "drain.sh: no redir tool (build it first)" >&2; exit 2; }
    fi
fi
command -v jq >/dev/null || { echo "drain.sh: jq is needed" >&2; exit 2; }

. "$root/tests/live/lib.sh"
live_init drain $(( before + after + 150 ))
for sub in serve probe; do
    "$redir" "$sub" --help >/dev/null 2>&1 || live_die "'$redir $sub' is not available"
done

live_log "starting servers A and B"
live_start_servers 2
A=${LIVE_PORT[1]} B=${LIVE_PORT[2]}
certs=$(live_cert serve)
export DRAIN_REDIR=$redir DRAIN_PORT_A=$A DRAIN_PAUSE=0.1 DRAIN_STOP=$LIVE_TMP/stop
echo "server A: mariadbd on 127.0.0.1:$A (server_id 1)"
echo "server B: mariadbd on 127.0.0.1:$B (server_id 2)"

live_log "load: $clients library and $clients old clients on A for ${before}s"
client_logs=() client_pids=()
for kind in library old; do
    for (( i = 1; i <= clients; i++ )); do
        live_bg "client-$kind-$i" bash "$0" --client "$kind" "$kind$i"
        client_logs+=("$LIVE_TMP/client-$kind-$i.log")
        client_pids+=("$LIVE_BG_PID")
    done
done
sleep "$before"

# The operator's switch: A shuts down (it closes its listening socket first,
# then ends its sessions), redir serve takes A's address as soon as it is free.
t0=$(now_ms)
kill -TERM "$(live_server_pid 1)"
live_wait_port_closed "$A" 30 || live_die "A's port $A stays open"
t_closed=$(now_ms)
serve_log=$LIVE_TMP/serve-connections.log
live_bg serve "$redir" serve --listen "127.0.0.1:$A" --target "mariadb://127.0.0.1:$B" \
    --carrier "$carrier" --tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem" \
    --log "$serve_log"
serve_pid=$LIVE_BG_PID
live_wait_port "$A" 10 || { cat "$LIVE_TMP/serve.log"; live_die "redir serve does not listen on $A"; }
t1=$(now_ms)
echo "switch: A told to shut down; its port closed after $(( t_closed - t0 )) ms; redir serve" \
     "listening there (carrier $carrier, target 127.0.0.1:$B) after $(( t1 - t0 )) ms"
live_stop_server 1 || live_die "A does not exit"
t_exit=$(now_ms)
echo "A exited $(( t_exit - t0 )) ms after the switch began"
sleep "$after"
# The clients finish the attempt in progress (at most 15 s) and stop.
touch "$DRAIN_STOP"
for pid in "${client_pids[@]}"; do
    wait "$pid"
done
live_kill "$serve_pid"

# ------------------------------------------------------------------- report
awk 'NF >= 5' "${client_logs[@]}" >"$LIVE_TMP/attempts"
awk -v A="$A" -v B="$B" -v t0="$t0" -v t1="$t1" '
function secs(ms) { return sprintf("%.2f s", ms / 1000) }
{
    # t: when the attempt began; e: when it ended
    id = $1; kind = $2; t = $3; e = $4; ok = ($5 == "ok")
    kinds[kind] = 1; ids[id] = kind; n[kind]++
    if (ok && $6 == A) onA[kind]++
    else if (ok && $6 == B) onB[kind]++
    else if (ok) other[kind]++
    else if (t < t0) errBefore[kind]++
    else if (t < t1) errDuring[kind]++
    else {
        errAfter[kind]++
        if (index($0, "127.0.0.1:" B) > 0) namingB[kind]++
    }
    if (ok && $6 == A && e > lastA[id]) lastA[id] = e
    if (ok && $6 == B && (!(id in firstB) || e < firstB[id])) firstB[id] = e
    if ((ok && $6 == B) || (!ok && t >= t0 && index($0, "127.0.0.1:" B) > 0))
        if (!(id in seen) || e - t0 < seen[id]) seen[id] = e - t0
}
END {
    printf "%-8s %8s %5s %5s %16s %7s %6s %11s %13s\n", "clients", "attempts", "by A", "by B",
           "failed: before", "during", "after", "no answer", "B seen after"
    for (k = 1; k <= 2; k++) {
        kind = k == 1 ? "library" : "old"
        if (!(kind in kinds)) continue
        gap = 0; never = 0; worst = 0; unseen = 0
        for (id in ids) {
            if (ids[id] != kind) continue
            if (id in firstB) { if (firstB[id] - lastA[id] > gap) gap = firstB[id] - lastA[id] }
            else never++
            if (id in seen) { if (seen[id] > worst) worst = seen[id] } else unseen++
        }
        printf "%-8s %8d %5d %5d %16d %7d %6d %11s %13s\n", kind, n[kind], onA[kind], onB[kind],
               errBefore[kind], errDuring[kind], errAfter[kind],
               never ? "since switch" : secs(gap), unseen ? "never" : secs(worst)
        if (other[kind]) printf "  %d answers came from neither A nor B\n", other[kind]
        if (errAfter[kind]) printf "  %s: %d of the %d failures after the switch name 127.0.0.1:%s\n",
                                   kind, namingB[kind], errAfter[kind], B
    }
}' "$LIVE_TMP/attempts" | tee "$LIVE_TMP/report"
cat <<'EOF'
(failed before: attempts begun before the switch and cut by A's shutdown; during: begun
 after A was told to stop, before redir serve listened; no answer: the longest time a client
 went between its last answer from A and its first from B; B seen after: from the start of
 the switch until the slowest client had an answer from B or an error naming B)
EOF
echo
echo "an old client's error after the switch:"
grep ' old ' "$LIVE_TMP/attempts" | awk -v t1="$t1" '$3 >= t1 && $5 == "err"' | head -n 1 |
    cut -d' ' -f6- | sed 's/^.*\(ERROR \)/  \1/'
echo "redir serve's log: $(grep -c 'outcome=' "$serve_log" 2>/dev/null) connections;" \
     "outcomes: $(grep -o 'outcome=[^ ]*' "$serve_log" 2>/dev/null | sort | uniq -c |
                  awk '{ printf "%s%s %s", sep, $1, substr($2, 9); sep = ", " }')"
for outcome in redirected err-sent; do
    grep -m 1 "outcome=$outcome" "$serve_log" 2>/dev/null | sed 's/^/  /'
done

# ------------------------------------------------------------------- checks
for kind in library old; do
    for (( i = 1; i <= clients; i++ )); do
        id=$kind$i
        mine=$LIVE_TMP/attempts-$id
        awk -v id="$id" '$1 == id' "$LIVE_TMP/attempts" >"$mine"
        if awk -v t0="$t0" -v A="$A" '$3 < t0 && $5 == "ok" && $6 == A' "$mine" | grep -q .; then
            live_pass "$id answered by A before the switch"
        else
            live_fail "$id never answered by A before the switch" "$mine"
        fi
        after_switch=$(awk -v t1="$t1" '$3 >= t1' "$mine" | wc -l)
        if [[ $kind == library ]]; then
            good=$(awk -v t1="$t1" -v B="$B" '$3 >= t1 && $5 == "ok" && $6 == B' "$mine" | wc -l)
            if (( after_switch > 0 && good == after_switch )); then
                live_pass "$id: all $good attempts after the switch answered by B"
            else
                live_fail "$id: $good of $after_switch attempts after the switch answered by B" "$mine"
            fi
        else
            good=$(awk -v t1="$t1" '$3 >= t1 && $5 == "err"' "$mine" | grep -c "127\.0\.0\.1:$B")
            if (( after_switch > 0 && good == after_switch )); then
                live_pass "$id: all $good attempts after the switch failed with an error naming 127.0.0.1:$B"
            else
                live_fail "$id: $good of $after_switch attempts after the switch got an error naming 127.0.0.1:$B" "$mine"
            fi
        fi
    done
done
live_done
