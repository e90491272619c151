#!/usr/bin/env bash
# test_serve_robust.sh REDIR: bad clients against `redir serve` (live test 5).
#
# One `redir serve` (TLS offered, 4 s per-connection timeout) is fed random
# bytes, truncated and oversized handshakes, a client that never speaks and
# 1000 connections opened at once and left idle. Throughout, a well-behaved
# client (the Debian mariadb client over verified TLS) must still get the ERR
# naming the target, and afterwards the process must hold as many file
# descriptors as before. A second instance with --max-conns 8 must refuse the
# ninth connection with ERR 1040, and SIGTERM must stop both cleanly.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
redir=${1:?usage: test_serve_robust.sh REDIR}
live_init serve_robust 120

certs=$(live_cert serve)
port=$(live_free_port)
target_port=$(live_free_port)
log=$LIVE_TMP/connections.log
live_bg serve "$redir" serve --listen "127.0.0.1:$port" --target "mariadb://127.0.0.1:$target_port" \
    --tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem" --timeout 4 --log "$log"
serve_pid=$LIVE_BG_PID
live_wait_port "$port" || live_die "redir serve did not listen (see $LIVE_TMP/serve.log)"
sleep 0.2
baseline=$(live_fds "$serve_pid")
live_log "serving on $port (pid $serve_pid, $baseline descriptors)"

# well_behaved: the mariadb client logs in over verified TLS, cannot follow,
# and its first statement gets the ERR naming the target.
well_behaved() {
    local out
    out=$(live_timeout 10 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" \
        -u redir -predir-pass --ssl --ssl-ca="$LIVE_CA" --ssl-verify-server-cert \
        --connect-timeout=5 -e 'SELECT 1' 2>&1)
    [[ $out == *"ERROR 4196 (HY000)"*"|This server has moved|127.0.0.1:$target_port"* ]] || {
        echo "$out" >"$LIVE_TMP/well_behaved.out"
        return 1
    }
}
check_served() {
    if well_behaved; then
        live_pass "$1"
    else
        live_fail "$1" "$LIVE_TMP/well_behaved.out"
    fi
}

check_served "a well-behaved client gets the ERR naming the target"

# expect_raw DESCRIPTION REGEX MODE ARGS...: a misbehaving client; REGEX must
# match what the server did (its packets and "closed after S s").
expect_raw() {
    local what=$1 want=$2 out=$LIVE_TMP/raw.out
    shift 2
    live_raw "$@" >"$out" 2>&1
    if tr '\n' ' ' <"$out" | grep -qE "$want"; then
        live_pass "$what"
    else
        live_fail "$what (want /$want/)" "$out"
    fi
}

# ERR packets: "SEQ LEN ff..." (0xff header); the message names the status.
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
expect_raw "random bytes: ERR naming the status, then closed" \
    "ff.*closed after [0-2]\." random "$port" 200 5
# A handshake response whose header promises 100 bytes, 20 sent: the engine
# waits for the rest, the deadline closes the connection.
expect_raw "truncated handshake (short packet): closed at the deadline" \
    "closed after [4-5]\." send "$port" "640000$(printf '01%.0s' {1..20})" 8
# A complete packet whose handshake response is cut inside its fields.
expect_raw "truncated handshake (fields cut): ERR $(hexof E_TRUNCATED | cut -c1-8)…, closed" \
    "2 [0-9]+ ff[0-9a-f]*$(hexof E_TRUNCATED).*closed after [0-2]\." \
    send "$port" "0a000001 8da20a00 000000 01 2100" 5
# A header announcing a 16 MiB packet: refused as soon as the header is there.
expect_raw "oversized handshake: ERR $(hexof E_FRAMER_PAYLOAD_LIMIT | cut -c1-8)…, closed" \
    "ff[0-9a-f]*$(hexof E_FRAMER_PAYLOAD_LIMIT).*closed after [0-2]\." \
    send "$port" "ffffff01$(printf '00%.0s' {1..64})" 5
expect_raw "a client that never speaks is closed at the deadline" \
    "closed after [4-5]\." silent "$port" 10

check_served "still serving after the bad clients"

# 1000 connections at once, left idle; twice, to see that neither
# descriptors nor memory grow with the connections served.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
idle_round() {
    local round=$1 base
    base=$(grep -c 'outcome=timeout' "$log")
    live_bg hold$round python3 "$LIVE_ROOT/tests/live/rawclient.py" hold "$port" 1000
    local hold_pid=$LIVE_BG_PID
    if live_wait_line "$LIVE_TMP/hold$round.log" '^held 1000' 20; then
        live_pass "round $round: 1000 idle connections opened at once"
    else
        live_fail "round $round: 1000 idle connections opened at once" "$LIVE_TMP/hold$round.log"
    fi
    local held_fds
    held_fds=$(live_fds "$serve_pid")
    check_served "round $round: a well-behaved client is served while 1000 connections idle ($held_fds descriptors open)"
    live_wait 10 bash -c "(( \$(grep -c 'outcome=timeout' '$log') >= $base + 1000 ))" \
        && live_pass "round $round: the idle connections were closed at their deadline" \
        || live_fail "round $round: the idle connections were closed at their deadline"
    live_kill "$hold_pid"
    sleep 0.3
    local after
    after=$(live_fds "$serve_pid")
    if (( after == baseline )); then
        live_pass "round $round: descriptors back to the baseline ($baseline before, $held_fds with 1000 held, $after after)"
    else
        live_fail "round $round: descriptors back to the baseline ($baseline before, $after after)"
        ls -l "/proc/$serve_pid/fd" | sed 's/^/     /'
    fi
}
idle_round 1
rss1=$(rss_kb "$serve_pid")
idle_round 2
rss2=$(rss_kb "$serve_pid")
if (( rss2 <= rss1 + 512 )); then
    live_pass "memory does not grow with connections served (RSS $rss1 kB after 1000, $rss2 kB after 2000)"
else
    live_fail "memory does not grow with connections served (RSS $rss1 kB after 1000, $rss2 kB after 2000)"
fi
check_served "still serving after the idle connections"

# A bounded pool: the ninth connection is refused with ERR 1040.
port2=$(live_free_port)
live_bg serve2 "$redir" serve --listen "127.0.0.1:$port2" --target "mariadb://127.0.0.1:$target_port" \
    --max-conns 8 --timeout 5 --log "$LIVE_TMP/connections2.log"
serve2_pid=$LIVE_BG_PID
live_wait_port "$port2" || live_die "second redir serve did not listen"
live_bg hold2 python3 "$LIVE_ROOT/tests/live/rawclient.py" hold "$port2" 8
live_wait_line "$LIVE_TMP/hold2.log" '^held 8' 10 || live_fail "8 connections held" "$LIVE_TMP/hold2.log"
sleep 0.3
expect_raw "beyond --max-conns: ERR 1040 Too many connections, closed" \
    "0 [0-9]+ ff1004.*$(hexof 'Too many connections').*closed after" send "$port2" "" 3
live_kill "$LIVE_BG_PID"

# SIGTERM while a login is in flight: the listener closes at once, the login
# still gets its redirect, then the process exits.
port3=$(live_free_port)
live_bg serve3 "$redir" serve --listen "127.0.0.1:$port3" --target "mariadb://127.0.0.1:$target_port" \
    --timeout 10 --log "$LIVE_TMP/connections3.log"
serve3_pid=$LIVE_BG_PID
live_wait_port "$port3" || live_die "third redir serve did not listen"
live_timeout 20 python3 - "$port3" "$serve3_pid" >"$LIVE_TMP/inflight.out" 2>&1 <<'PY'
import os, signal, socket, struct, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def packet(s):
    h = s.recv(4, socket.MSG_WAITALL)
    n = h[0] | h[1] << 8 | h[2] << 16
    return s.recv(n, socket.MSG_WAITALL)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
packet(s)                                   # the greeting
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("new connection accepted")
except OSError:
    print("new connection refused")
caps = 0x00000200 | 0x00008000 | 0x00080000 | 0x00800000
body = struct.pack("<IIB", caps, 1 << 24, 45) + bytes(23) + b"late\0\0mysql_native_password\0"
s.sendall(struct.pack("<I", len(body))[:3] + b"\x01" + body)
ok = packet(s)
print("login answered:", "OK" if ok[:1] == b"\x00" else ok[:1].hex(),
      "with redirect_url" if b"redirect_url" in ok else "without redirect_url")
PY
tenths=50
while kill -0 "$serve3_pid" 2>/dev/null && (( tenths-- > 0 )); do sleep 0.1; done
if grep -q 'new connection refused' "$LIVE_TMP/inflight.out" &&
   grep -q 'login answered: OK with redirect_url' "$LIVE_TMP/inflight.out" &&
   ! kill -0 "$serve3_pid" 2>/dev/null; then
    live_pass "SIGTERM: stopped accepting, answered the login in flight with its redirect, exited"
else
    live_fail "SIGTERM: stopped accepting, answered the login in flight, exited" "$LIVE_TMP/inflight.out"
fi

# SIGTERM: stops accepting, exits 0 with its summary line.
stop_serve() {
    local pid=$1 name=$2 tenths=50
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && (( tenths-- > 0 )); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        live_fail "$name exits on SIGTERM"
    elif grep -q 'redir serve: stopped:' "$LIVE_TMP/$name.log" "$3"; then
        live_pass "$name exits on SIGTERM ($(grep -h 'stopped:' "$LIVE_TMP/$name.log" "$3" | head -1 | cut -d: -f3- | sed 's/^ //'))"
    else
        live_fail "$name exits on SIGTERM (no summary line)" "$LIVE_TMP/$name.log"
    fi
}
stop_serve "$serve_pid" serve "$log"
stop_serve "$serve2_pid" serve2 "$LIVE_TMP/connections2.log"
live_done
