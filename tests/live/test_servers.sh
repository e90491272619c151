#!/usr/bin/env bash
# test_servers.sh: checks the live-test helpers (lib.sh) themselves.
#
# Runs itself once more as the test proper (--inner), which starts two
# private servers and checks: each answers over TLS verified against the
# test's CA (and not against another CA), reports its own @@port and
# @@server_id, the accounts work, a stopped server frees its port, and
# background commands run in their own process group. Afterwards the outer
# run checks that the exit trap stopped every process and removed the temp
# dir. Exit status 0 passed, 1 failed, 77 skipped (no mariadbd).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inner ]]; then
    out=$(mktemp)
    trap 'rm -f "$out"' EXIT
    bash "$0" --inner >"$out" 2>&1
    rc=$?
    cat "$out"
    (( rc == 77 )) && exit 77
    # The inner run printed what it started: none of it may outlive it.
    leftover=0
    while read -r _ kind pid; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "FAIL $kind (pid $pid) still runs after the test exited"
            leftover=1
        fi
    done < <(grep '^started ' "$out")
    tmp=$(sed -n 's/^tmp //p' "$out")
    if [[ -z $tmp || -e $tmp ]]; then
        echo "FAIL temp dir '${tmp}' not removed"
        leftover=1
    fi
    (( leftover == 0 )) && echo "ok   cleanup: no process or temp dir left"
    (( rc == 0 && leftover == 0 ))
    exit
fi

. "$here/lib.sh"
live_init servers 120
echo "tmp $LIVE_TMP"
live_start_servers 2
for i in 1 2; do
    echo "started mariadbd $(cat "${LIVE_DIR[i]}/mariadbd.pid")"
done

for i in 1 2; do
    id=$(live_identity "${LIVE_PORT[i]}" 2>&1)
    if [[ $id == "${LIVE_PORT[i]} $i" ]]; then
        live_pass "server $i: @@port ${LIVE_PORT[i]}, @@server_id $i over verified TLS"
    else
        live_fail "server $i: expected '${LIVE_PORT[i]} $i', got '$id'"
    fi
done
[[ ${LIVE_PORT[1]} != "${LIVE_PORT[2]}" ]] && live_pass "distinct ports" || live_fail "same port"

# The certificates really are checked: another CA is refused.
other=$LIVE_TMP/other-ca
"$LIVE_ROOT/scripts/make-certs.sh" "$other" >/dev/null
if mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "${LIVE_PORT[1]}" \
        -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" --ssl --ssl-ca="$other/ca.pem" \
        --ssl-verify-server-cert --connect-timeout=5 -e 'SELECT 1' >"$LIVE_TMP/other.log" 2>&1; then
    live_fail "a certificate from another CA was accepted" "$LIVE_TMP/other.log"
else
    live_pass "another CA is refused: $(head -n 1 "$LIVE_TMP/other.log")"
fi

# Test accounts: ed25519 and REQUIRE SSL.
if [[ $(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "${LIVE_PORT[2]}" \
        -u "$MARIADB_SSL_USER" -p"$MARIADB_SSL_PASSWORD" --ssl --ssl-ca="$LIVE_CA" \
        --ssl-verify-server-cert -N -e 'SELECT CURRENT_USER()' 2>&1) == "$MARIADB_SSL_USER@%" ]]; then
    live_pass "REQUIRE SSL account logs in over TLS"
else
    live_fail "REQUIRE SSL account"
fi
if [[ $(live_admin 1 -e "SELECT plugin FROM mysql.user WHERE user = '$MARIADB_ED_USER'") == ed25519 ]]; then
    live_pass "ed25519 account provisioned"
else
    live_fail "ed25519 account missing"
fi

# Ports: a free port is closed; a stopped server's port becomes free.
port=$(live_free_port)
live_port_open "$port" && live_fail "free port $port accepts" || live_pass "free port $port is closed"
live_stop_server 2
if live_wait_port_closed "${LIVE_PORT[2]}" 5; then
    live_pass "stopped server 2 freed port ${LIVE_PORT[2]}"
else
    live_fail "port ${LIVE_PORT[2]} still open after stopping server 2"
fi
live_wait_port "${LIVE_PORT[1]}" 1 && live_pass "server 1 still listens" || live_fail "server 1 gone"

# Background commands: own process group, stopped at exit.
live_bg sleeper bash -c 'sleep 600 & wait'
echo "started background $LIVE_BG_PID"
sleep 0.2
child=$(pgrep -g "$LIVE_BG_PID" -x sleep | head -n 1)
echo "started background-child ${child:-0}"
[[ -n $child ]] && live_pass "background command runs in its own process group" \
    || live_fail "background child not found in process group $LIVE_BG_PID"

# live_timeout ends a command that hangs.
live_timeout 1 sleep 30
rc=$?
(( rc == 124 )) && live_pass "live_timeout ends a hung command" || live_fail "live_timeout returned $rc"

live_done
