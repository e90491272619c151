#!/usr/bin/env bash
# test_node_redirect.sh REDIR
#
# MariaDB Connector/Node.js (npm package `mariadb`, pinned releases in
# tests/live/node/package.json) with permitRedirect against `REDIR serve`,
# over TLS verified against the test CA:
#   login        redir serve answers the login with a session-track
#                redirect_url naming a real mariadbd (the target)
#   mid-session  the conformance kit's scenario (redir serve --scenario
#                mid-session): the OK of the first command carries redirect_url
#
# Each release must behave as the README's "Known limitations" says:
#   login, 3.2.3 to 3.4.2   the switch crashes the client (TypeError in the login
#                           path: the redirect calls an unbound successEnd)
#   login, 3.4.3 to 3.5.4   the client connects to the target (conn.info.port is
#                           the target's port, conn.threadId a connection the
#                           target has, under the test user) but the first
#                           command fails: its response is delivered to the
#                           connector's internal connection object
#                           (ER_UNEXPECTED_PACKET). (3.4.3 and 3.4.4 cannot
#                           verify a certificate given `ssl: {ca}` at all, so the
#                           pinned release of that range is 3.4.5.)
#   mid-session, 3.2.3 to 3.5.4  the client reconnects to the target (the kit
#                           says PASS, conn.info.port is the target's) but every
#                           later command fails with "Cannot execute new
#                           commands: connection closed" (ER_CMD_CONNECTION_CLOSED)
#   later releases          log in at the target and keep working there
# A release that behaves otherwise fails the test with a message saying which
# README statement no longer holds.
# Exit status 0 passed, 1 failed, 77 skipped (no node/mariadbd or the
# packages cannot be installed).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
redir=${1:?usage: test_node_redirect.sh REDIR}
node_dir=$here/node

command -v node >/dev/null || { echo "skipped: node is not installed"; exit 77; }
if [[ ! -d $node_dir/node_modules/mariadb ]]; then
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) \
        || { echo "skipped: npm ci failed in $node_dir"; exit 77; }
fi

. "$here/lib.sh"
live_init node_redirect 270
"$redir" serve --help >/dev/null 2>&1 || live_die "'$redir serve' is not available"

live_start_servers 1
target=${LIVE_PORT[1]}
certs=$(live_cert serve)
listen=$(live_free_port)
serve_log=$LIVE_TMP/serve-connections.log
live_bg serve "$redir" serve --listen "127.0.0.1:$listen" --target "mariadb://127.0.0.1:$target" \
    --tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem" --log "$serve_log"
live_wait_port "$listen" 10 || { cat "$LIVE_TMP/serve.log"; live_die "redir serve does not listen"; }
live_log "redir serve on $listen, target mariadbd on $target"

export REDIRECT_PORT=$listen TARGET_PORT=$target DB_USER=$MARIADB_USER \
       DB_PASSWORD=$MARIADB_PASSWORD CA=$LIVE_CA

# version_in V LOW HIGH: LOW <= V <= HIGH in version order.
version_in() {
    [[ $(printf '%s\n' "$2" "$1" | sort -V | head -n 1) == "$2" &&
       $(printf '%s\n' "$1" "$3" | sort -V | tail -n 1) == "$3" ]]
}

# check PACKAGE: one connector release against redir serve (login redirect).
check() {
    local pkg=$1 log=$LIVE_TMP/$1.log json
    if ! json=$(live_timeout 40 node "$node_dir/redirect_check.js" "$pkg" 2>"$log"); then
        live_fail "$pkg: redirect_check.js failed" "$log"
        return
    fi
    echo "$json" >>"$log"
    local v connect info_port thread user query_port query_id query
    v=$(jq -r .version <<<"$json")
    connect=$(jq -c .connect <<<"$json")
    info_port=$(jq -r '.infoPort // empty' <<<"$json")
    thread=$(jq -r '.threadId // empty' <<<"$json")
    user=$(jq -r '.target.user // empty' <<<"$json")
    query_port=$(jq -r '.query.port // empty' <<<"$json")
    query_id=$(jq -r '.query.id // empty' <<<"$json")
    query=$(jq -c '.query // empty' <<<"$json")
    local switched=0 works=0
    [[ $connect == '"ok"' && $info_port == "$target" && -n $thread && $user == "$MARIADB_USER" ]] && switched=1
    [[ $switched == 1 && $query_port == "$target" && $query_id == "$thread" ]] && works=1

    if version_in "$v" 3.2.3 3.4.2; then
        if [[ $connect == *'TypeError: Cannot set properties of undefined'* ]]; then
            live_pass "$v: the switch crashes the client, as the README records: $(jq -r .connect.crash <<<"$json")"
        else
            live_fail "$v: no longer crashes during the switch (connect: $connect, query: $query): update the README's known limitation of Connector/Node.js" "$log"
        fi
    elif version_in "$v" 3.4.3 3.5.4; then
        if [[ $switched != 1 ]]; then
            live_fail "$v: no longer switches to the target (connect: $connect, info.port '$info_port' instead of $target, target user '$user')" "$log"
        elif [[ $works == 1 ]]; then
            live_fail "$v: now runs commands after the redirect (query: $query): the known limitation is gone, update the README" "$log"
        else
            live_pass "$v: switched to the target (info.port $info_port, connection $thread of user $user there), then the first command fails as the README records: $query"
        fi
    else
        if [[ $works == 1 ]]; then
            live_pass "$v: switched to the target (info.port $info_port, connection $thread) and the query ran there"
        else
            live_fail "$v: does not work after the redirect (connect: $connect, query: $query): extend the README's known limitation to $v" "$log"
        fi
    fi
}

# check_mid PACKAGE: one connector release against the kit's mid-session scenario.
check_mid() {
    local pkg=$1 log=$LIVE_TMP/$1-mid.log json port kit kit_log kit_target verdict
    port=$(live_free_port)
    kit_log=$LIVE_TMP/kit-$pkg.log
    live_bg "kit-$pkg" "$redir" serve --scenario mid-session --listen "127.0.0.1:$port" \
        --tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem" --timeout 20
    kit=$LIVE_BG_PID
    if ! live_wait_line "$kit_log" '^target 127\.0\.0\.1:[0-9]+' 10; then
        live_fail "$pkg mid-session: the scenario did not start" "$kit_log"
        return
    fi
    kit_target=$(sed -n 's/^target 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$kit_log")
    if ! json=$(REDIRECT_PORT=$port live_timeout 40 node "$node_dir/redirect_check.js" "$pkg" \
            mid-session 2>"$log"); then
        live_fail "$pkg mid-session: redirect_check.js failed" "$log"
        live_kill "$kit"
        return
    fi
    live_wait_line "$kit_log" '^(PASS|FAIL) ' 10
    verdict=$(grep -E '^(PASS|FAIL) ' "$kit_log")
    live_kill "$kit"
    echo "$json" >>"$log"
    cat "$kit_log" >>"$log"
    local v info_port query
    v=$(jq -r .version <<<"$json")
    info_port=$(jq -r '.infoPort // empty' <<<"$json")
    query=$(jq -c '.query // empty' <<<"$json")
    if [[ $verdict != PASS* || $info_port != "$kit_target" ]]; then
        live_fail "$v mid-session: no longer reconnects to the target (kit: '$verdict', info.port '$info_port' instead of $kit_target)" "$log"
    elif version_in "$v" 3.2.3 3.5.4; then
        if [[ $query == *ER_CMD_CONNECTION_CLOSED* ]]; then
            live_pass "$v mid-session: reconnected to the target (kit PASS, info.port $info_port), then the next command fails as the README records: $(jq -r .query.error <<<"$json")"
        else
            live_fail "$v mid-session: the command after the redirect gave $query, not the README's \"connection closed\": update the README" "$log"
        fi
    elif [[ $query == '{"ok":true}' ]]; then
        live_pass "$v mid-session: reconnected to the target (info.port $info_port) and the next command ran"
    else
        live_fail "$v mid-session: the command after the redirect gave $query: extend the README's known limitation to $v" "$log"
    fi
}

mapfile -t packages < <(jq -r '.dependencies | keys[]' "$node_dir/package.json")
for pkg in "${packages[@]}"; do
    check "$pkg"
    check_mid "$pkg"
done

# The minimal reproduction the README points to still shows the switch.
live_timeout 30 node "$node_dir/repro.js" 127.0.0.1 "$listen" "$MARIADB_USER" "$MARIADB_PASSWORD" \
    "$LIVE_CA" >"$LIVE_TMP/repro.log" 2>&1
if grep -q "^connected: info.port $target, connection id [0-9]" "$LIVE_TMP/repro.log" &&
   grep -q 'ER_UNEXPECTED_PACKET' "$LIVE_TMP/repro.log"; then
    live_pass "repro.js: $(grep '^connected' "$LIVE_TMP/repro.log"), then ER_UNEXPECTED_PACKET"
else
    live_fail "repro.js no longer reproduces the limitation" "$LIVE_TMP/repro.log"
fi

# Every one of those logins was redirected by redir serve, over TLS.
want=$(( ${#packages[@]} + 1 ))
got=$(grep -c 'tls=yes .*outcome=redirected' "$serve_log")
if (( got == want )); then
    live_pass "redir serve logged $got TLS logins redirected to 127.0.0.1:$target"
else
    live_fail "redir serve logged $got TLS logins redirected, expected $want" "$serve_log"
fi

live_done
