#!/usr/bin/env bash
# test_probe_kit.sh REDIR: `redir probe` passes every scenario of the
# conformance kit (`redir serve --scenario NAME`), over TLS verified with the
# test's CA: the judge must print PASS for each, and probe must end as the
# scenario wants (exit 0 where it lands and runs its statements, 1 where it
# has to refuse to log in). in-transaction runs a statement, COMMIT and
# another statement; pipelined sends two statements at once.
# Exit status 0 passed, 1 failed, 77 skipped (no mariadbd: lib.sh's rule).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
redir=${1:?usage: test_probe_kit.sh REDIR}
. "$here/lib.sh"
live_init probe_kit 240

certs=$(live_cert kit)
scenarios=$("$redir" serve --scenario list | awk '{print $1}')
[[ -n $scenarios ]] || live_die "redir serve --scenario list names no scenario"

for sc in $scenarios; do
    extra=()
    want_rc=0
    case $sc in
        in-transaction) extra=(--query 'SELECT 1' --query COMMIT --query 'SELECT 1') ;;
        pipelined) extra=(--query 'SELECT 1' --query 'SELECT 2' --pipeline) ;;
        tls-before-handshake | tls-downgrade) want_rc=1 ;;
    esac
    port=$(live_free_port)
    live_bg "serve-$sc" "$redir" serve --scenario "$sc" --listen "127.0.0.1:$port" \
        --tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem" --timeout 20
    judge=$LIVE_BG_PID
    # Not live_wait_port: a scenario judges the first connection it gets.
    live_wait 10 grep -q "^server 127.0.0.1:$port" "$LIVE_TMP/serve-$sc.log" ||
        live_die "scenario $sc did not listen: $(cat "$LIVE_TMP/serve-$sc.log")"
    live_timeout 60 "$redir" probe "127.0.0.1:$port" --user app --password secret --tls \
        --tls-ca "$LIVE_CA" --follow 3 --timeout 10 "${extra[@]}" >"$LIVE_TMP/$sc.out" 2>&1
    rc=$?
    # The judge exits once it has seen the client through.
    live_wait 20 bash -c "! kill -0 $judge 2>/dev/null"
    verdict=$(grep -E '^(PASS|FAIL) ' "$LIVE_TMP/serve-$sc.log")
    if [[ $verdict == PASS* ]] && (( rc == want_rc )); then
        live_pass "$verdict"
    else
        live_fail "$sc: probe exit $rc (want $want_rc), verdict: ${verdict:-none}" "$LIVE_TMP/$sc.out"
        sed 's/^/     judge: /' "$LIVE_TMP/serve-$sc.log"
    fi
    live_kill "$judge"
done

live_done
