#!/usr/bin/env bash
# test_kit_probe.sh REDIR: every scenario of the conformance kit (`redir serve
# --scenario`) against `redir probe`, the library's client engine and policy:
# probe, run as a connector author would run a driver (TLS required and
# verified against the test CA), must PASS each. Then the judge is seen to
# fail probe when probe is told to misbehave: no hop limit, no TLS, a policy
# that would follow anything.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
redir=${1:?usage: test_kit_probe.sh REDIR}
live_init kit_probe 170
"$redir" probe --help >/dev/null 2>&1 || live_die "'$redir probe' is not available"

certs=$(live_cert kit)
tls=(--tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem")
verified=(--tls --tls-ca "$LIVE_CA" --tls-verify)

# scenario NAME WANT PROBE_ARGS...: plays NAME, points probe at its server
# with PROBE_ARGS, and checks that the verdict is WANT (PASS or FAIL) with
# the matching exit status.
scenario() {
    local name=$1 want=$2
    shift 2
    local tag=$name-$want-$RANDOM
    live_bg "kit-$tag" "$redir" serve --scenario "$name" --listen 127.0.0.1:0 "${tls[@]}" \
        --timeout 15
    local pid=$LIVE_BG_PID log=$LIVE_TMP/kit-$tag.log
    live_wait_line "$log" '^server ' 10 || { live_fail "$name: scenario started" "$log"; return; }
    local port
    port=$(sed -n 's/^server [0-9.]*:\([0-9]*\) .*/\1/p' "$log")
    live_timeout 20 "$redir" probe "mariadb://127.0.0.1:$port" --user app --password secret \
        --timeout 5 "$@" >"$LIVE_TMP/probe-$tag.out" 2>&1
    local tenths=200
    while kill -0 "$pid" 2>/dev/null && (( tenths-- > 0 )); do sleep 0.1; done
    wait "$pid" 2>/dev/null
    local rc=$? verdict want_rc=0
    verdict=$(grep -E '^(PASS|FAIL) ' "$log")
    [[ $want == FAIL ]] && want_rc=1
    if [[ $verdict == "$want $name: "* && $rc == "$want_rc" ]]; then
        live_pass "probe ${*//$LIVE_CA/CA}: $verdict"
    else
        cat "$LIVE_TMP/probe-$tag.out" >>"$log"
        live_fail "$name: want $want (exit $want_rc), got exit $rc: $verdict" "$log"
    fi
}

for name in login-session-track login-err login-location mid-session in-transaction \
            same-server loop hop-limit invalid-url tls-before-handshake tls-downgrade \
            tls-unverified; do
    scenario "$name" PASS "${verified[@]}"
done
# Unverified certificate with TLS but without --tls-verify: the handshake
# succeeds, and the policy refuses the redirect.
scenario tls-unverified PASS --tls
scenario hop-limit PASS "${verified[@]}" --follow 3
# The whole transaction: the redirect deferred until COMMIT's OK, then followed.
scenario in-transaction PASS "${verified[@]}" --query 'SELECT 1' --query COMMIT --query 'SELECT 2'
grep -q "^PASS in-transaction: waited for the transaction to end" "$LIVE_TMP"/kit-in-transaction-PASS-*.log \
    && live_pass "in-transaction: probe followed only after COMMIT's OK" \
    || live_fail "in-transaction: probe followed only after COMMIT's OK"
if "$redir" probe --help | grep -q -- '--pipeline'; then
    scenario pipelined PASS "${verified[@]}" --query 'SELECT 1' --query 'SELECT 2' --pipeline
else
    # probe sends one statement at a time: the judge says it did not pipeline
    scenario pipelined FAIL "${verified[@]}"
fi

# The judge fails a client that does not follow the rules.
scenario hop-limit FAIL "${verified[@]}" --follow 20
scenario login-session-track FAIL --no-tls
scenario tls-before-handshake FAIL --no-tls
live_done
