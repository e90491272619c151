#!/usr/bin/env bash
# test_serve_kit.sh REDIR: `redir serve` and its conformance kit against the
# Debian mariadb client (Connector/C), which does not follow redirects.
#
#  - plain serving, each carrier: the client shows the ERR naming the target
#    (the ERR carrier at login; session-track and location on its first
#    statement), and the log line names peer, TLS, user, carrier, target;
#  - kit scenarios whose verdict this client decides: it refuses what it must
#    refuse (PASS) and, not following, fails the scenarios that need a
#    redirect to be followed (FAIL with the reason) — so the judge is seen to
#    fail a client as well as pass it.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
redir=${1:?usage: test_serve_kit.sh REDIR}
live_init serve_kit 150

certs=$(live_cert kit)
tls=(--tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem")

# client PORT ARGS...: the mariadb client over TLS verified with the test CA.
client() {
    local port=$1
    shift
    live_timeout 10 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u redir \
        -predir-pass --connect-timeout=5 --ssl --ssl-ca="$LIVE_CA" --ssl-verify-server-cert "$@"
}

# ---------------------------------------------------------------- serving
target_port=$(live_free_port)
for carrier in session-track err location; do
    port=$(live_free_port)
    log=$LIVE_TMP/serve-$carrier.connections
    live_bg "serve-$carrier" "$redir" serve --listen "127.0.0.1:$port" "${tls[@]}" \
        --target "mariadb://127.0.0.1:$target_port" --carrier "$carrier" --log "$log"
    pid=$LIVE_BG_PID
    live_wait_port "$port" || live_die "redir serve --carrier $carrier did not listen"
    out=$(client "$port" -e 'SELECT 1' 2>&1)
    want="|This server has moved|127.0.0.1:$target_port"
    if [[ $out == *"ERROR 4196 (HY000)"*"$want"* ]]; then
        live_pass "$carrier: the mariadb client shows the ERR naming the target ($(echo "$out" | grep -o 'ERROR 4196.*'))"
    else
        echo "$out" >"$LIVE_TMP/out"
        live_fail "$carrier: the mariadb client shows the ERR naming the target" "$LIVE_TMP/out"
    fi
    outcome=err-sent
    [[ $carrier == err ]] && outcome=redirected
    line="peer=127.0.0.1:[0-9]+ tls=yes user=redir carrier=$carrier target=mariadb://127.0.0.1:$target_port outcome=$outcome"
    if live_wait_line "$log" "$line" 5; then
        live_pass "$carrier: one log line ($(grep -oE "$line.*" "$log" | head -1))"
    else
        live_fail "$carrier: one log line matching /$line/" "$log"
    fi
    live_kill "$pid"
done

# Two targets picked in turn.
port=$(live_free_port)
other_port=$(live_free_port)
live_bg serve-rr "$redir" serve --listen "127.0.0.1:$port" "${tls[@]}" --pick round-robin \
    --target "mariadb://127.0.0.1:$target_port" --target "mariadb://127.0.0.1:$other_port" \
    --log "$LIVE_TMP/serve-rr.connections"
pid=$LIVE_BG_PID
live_wait_port "$port" || live_die "redir serve --pick round-robin did not listen"
got=()
for i in 1 2 3; do
    got+=("$(client "$port" -e 'SELECT 1' 2>&1 | grep -o '127.0.0.1:[0-9]*$')")
done
live_kill "$pid"
want=("127.0.0.1:$target_port" "127.0.0.1:$other_port" "127.0.0.1:$target_port")
[[ ${got[*]} == "${want[*]}" ]] \
    && live_pass "--pick round-robin: clients sent to ${got[*]}" \
    || live_fail "--pick round-robin: clients sent to ${got[*]}, want ${want[*]}"

# Targets MariaDB's validator refuses are refused at start-up.
if ! "$redir" serve --listen 127.0.0.1:0 --target 'mariadb://db2:99999' 2>"$LIVE_TMP/err"; then
    grep -q 'E_URL_PORT_RANGE at offset 18' "$LIVE_TMP/err" \
        && live_pass "a target MariaDB would refuse is refused ($(head -1 "$LIVE_TMP/err"))" \
        || live_fail "a target MariaDB would refuse is refused" "$LIVE_TMP/err"
else
    live_fail "a target MariaDB would refuse is refused"
fi

# ---------------------------------------------------------------- the kit
# scenario NAME WANT CLIENT_ARGS...: runs the scenario, connects the mariadb
# client with CLIENT_ARGS (its options after host, port and user), and checks
# the verdict line is WANT (PASS or FAIL) with the matching exit status.
scenario() {
    local name=$1 want=$2
    shift 2
    local out=$LIVE_TMP/kit-$name.out
    live_bg "kit-$name" "$redir" serve --scenario "$name" --listen 127.0.0.1:0 "${tls[@]}" \
        --timeout 15
    local pid=$LIVE_BG_PID
    local log=$LIVE_TMP/kit-$name.log
    live_wait_line "$log" '^server ' 10 || { live_fail "$name: scenario started" "$log"; return; }
    local port
    port=$(sed -n 's/^server [0-9.]*:\([0-9]*\) .*/\1/p' "$log")
    live_timeout 10 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u redir \
        -predir-pass --connect-timeout=5 "$@" -e "${KIT_SQL:-SELECT 1}" >"$out" 2>&1
    local rc=0 tenths=200
    while kill -0 "$pid" 2>/dev/null && (( tenths-- > 0 )); do sleep 0.1; done
    wait "$pid" 2>/dev/null
    rc=$?
    local verdict
    verdict=$(grep -E '^(PASS|FAIL) ' "$log")
    local want_rc=0
    [[ $want == FAIL ]] && want_rc=1
    if [[ $verdict == "$want $name: "* && $rc == "$want_rc" ]]; then
        live_pass "$verdict"
    else
        live_fail "$name: want $want (exit $want_rc), got exit $rc: $verdict" "$log"
    fi
}

verify=(--ssl --ssl-ca="$LIVE_CA" --ssl-verify-server-cert)
scenario tls-before-handshake PASS "${verify[@]}"
scenario tls-downgrade PASS "${verify[@]}"
scenario tls-unverified PASS "${verify[@]}"
scenario same-server PASS "${verify[@]}"
scenario invalid-url PASS "${verify[@]}"
# The mariadb client does not follow: the scenarios that need it fail, and
# say why.
scenario login-session-track FAIL "${verify[@]}"
scenario login-err FAIL "${verify[@]}"
scenario mid-session FAIL "${verify[@]}"
# It runs statements one after the other: the redirect waits in the
# transaction its first statement opened; after COMMIT it should follow.
KIT_SQL='SELECT 1; COMMIT; SELECT 2' scenario in-transaction FAIL "${verify[@]}"
grep -q 'the transaction ended but the client did not follow' "$LIVE_TMP"/kit-in-transaction.log \
    && live_pass "in-transaction: the client ran COMMIT and the judge saw the transaction end" \
    || live_fail "in-transaction: the judge saw the transaction end" "$LIVE_TMP/kit-in-transaction.log"
# Without TLS it walks into the downgrade: the judge names that too.
scenario tls-downgrade FAIL --ssl=0
live_done
