#!/usr/bin/env bash
# test_serve.sh REDIR: `redir serve` options and validation, and the judge of
# the conformance kit against a scripted client (tests/cli/kit_client.py) that
# follows a redirect at the right moment or too early: the pipelined and
# in-transaction scenarios must PASS the first and FAIL the second.
# Prints "serve: N passed, M failed". Loopback only, no database needed.
set -uo pipefail
redir=${1:?usage: test_serve.sh REDIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d /tmp/redir-serve-cli.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

# expect NAME EXIT REGEX ARGS...: runs `redir ARGS`, checks the exit status
# and that stdout+stderr match REGEX (grep -E).
expect() {
    local name=$1 want=$2 re=$3
    shift 3
    local out rc
    out=$(timeout 10 "$redir" "$@" 2>&1)
    rc=$?
    if [[ $rc != "$want" ]] || ! grep -qE -- "$re" <<<"$out"; then
        bad "$name: exit $rc (want $want), output:"
        sed 's/^/     /' <<<"$out" | head -5
    else
        ok
    fi
}

expect help 0 '^usage: redir serve --listen' serve --help
expect help_anywhere 0 '^usage: redir serve' serve --carrier nope --help
expect redir_help 0 'Conformance kit' help serve
expect no_listen 2 'listen ADDR:PORT is required' serve --target mariadb://db2:3306
expect no_target 2 'at least one --target' serve --listen 127.0.0.1:0
expect bad_carrier 2 'session-track, err or location' serve --listen 127.0.0.1:0 --carrier=smoke
expect bad_pick 2 'random or round-robin' serve --listen=127.0.0.1:0 --pick first
expect refused_target 2 "E_URL_PORT_RANGE at offset 18" serve --listen=127.0.0.1:0 \
    --target=mariadb://db2:99999
expect empty_target 2 'no redirect' serve --listen 127.0.0.1:0 --target ''
expect bad_scheme 2 'E_URL_SCHEME' serve --listen 127.0.0.1:0 --target http://db2:3306
expect location_host 2 'cannot travel by the location carrier' serve --listen 127.0.0.1:0 \
    --carrier location --target 'mariadb://a?b:3306'
expect cert_alone 2 'go together' serve --listen 127.0.0.1:0 --target mariadb://db2 \
    --tls-cert x.pem
expect bad_message 2 "must not contain '\|'" serve --listen 127.0.0.1:0 --target mariadb://db2 \
    --message 'a|b'
expect bad_timeout 2 'positive number of seconds' serve --listen 127.0.0.1:0 \
    --target mariadb://db2 --timeout 0
expect bad_code 2 '1 to 65534' serve --listen 127.0.0.1:0 --target mariadb://db2 --err-code 65535
expect missing_value 2 'needs a value' serve --listen
expect unknown_option 2 "unknown option '--bogus'" serve --bogus
expect listen_unavailable 1 'listen on 192.0.2.1:3306' serve --listen 192.0.2.1:3306 --target mariadb://db2
expect scenario_list 0 '^tls-unverified +redirect over TLS' serve --scenario list
expect scenario_unknown 2 "unknown scenario 'nope'" serve --scenario nope
expect scenario_target 2 'makes its own targets' serve --scenario loop --target mariadb://db2
n=$("$redir" serve --scenario list | wc -l)
[[ $n -ge 13 ]] && ok || bad "scenario list has $n lines"

# judge SCENARIO MODE WANT: the scenario against kit_client.py MODE.
judge() {
    local scenario=$1 mode=$2 want=$3 log=$tmp/$1-$2.out
    "$redir" serve --scenario "$scenario" --listen 127.0.0.1:0 --timeout 10 >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local tries=50
    until grep -q '^target ' "$log" || (( tries-- == 0 )); do sleep 0.1; done
    local port target
    port=$(sed -n 's/^server [0-9.]*:\([0-9]*\) .*/\1/p' "$log")
    target=$(sed -n 's/^target [0-9.]*:\([0-9]*\)$/\1/p' "$log" | head -1)
    python3 "$here/kit_client.py" "$port" "$target" "$mode" >"$tmp/client.out" 2>&1 \
        || { bad "$scenario/$mode: the scripted client failed"; sed 's/^/     /' "$tmp/client.out"; }
    wait "$pid"
    local rc=$? want_rc=0
    [[ $want == FAIL ]] && want_rc=1
    if [[ $rc == "$want_rc" ]] && grep -q "^$want $scenario: " "$log"; then
        ok
        grep "^$want " "$log"
    else
        bad "$scenario/$mode: exit $rc, want $want"
        sed 's/^/     /' "$log"
    fi
}
judge pipelined pipelined-wait PASS
judge pipelined pipelined-early FAIL
judge in-transaction trans-wait PASS
judge in-transaction trans-early FAIL

echo "serve: $passed passed, $failed failed"
[[ $failed == 0 ]]
