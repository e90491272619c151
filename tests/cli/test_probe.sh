#!/usr/bin/env bash
# test_probe.sh REDIR: `redir probe` without a server: --help, usage errors
# (exit 2, message on stderr), URLs read with the connector grammar, and a
# refused connection reported as a record (exit 1), in text and JSON.
# Prints "probe: N passed, M failed".
set -uo pipefail
redir=${1:?usage: test_probe.sh REDIR}
passed=0
failed=0

# check NAME EXIT STDOUT_RE STDERR_RE -- ARGS...: runs `redir probe ARGS`;
# each regex (ERE) is matched against the whole output, "" meaning empty.
check() {
    local name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    local out err rc
    err=$(mktemp)
    out=$("$redir" probe "$@" 2>"$err")
    rc=$?
    local errtext
    errtext=$(<"$err")
    if [[ $rc != "$want_rc" ]] || ! matches "$out" "$want_out" || ! matches "$errtext" "$want_err"; then
        echo "FAIL $name: exit $rc (want $want_rc)"
        echo "  stdout: $out" | head -5
        sed 's/^/  stderr: /' "$err" | head -5
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
    rm -f "$err"
}

matches() {  # text regex
    if [[ -z $2 ]]; then
        [[ -z $1 ]]
    else
        [[ $1 =~ $2 ]]
    fi
}

# A loopback port nobody listens on.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

check help 0 '^usage: redir probe URL' '' -- --help
check help_wins 0 '^usage: redir probe URL' '' -- --bogus --help
check no_url 2 '' 'missing the URL' --
check two_urls 2 '' "expected one URL, got 'b'" -- a b
check unknown_option 2 '' "unknown option '--bogus'" -- --bogus 127.0.0.1
check missing_value 2 '' "needs a value" -- 127.0.0.1 --user
check bad_follow 2 '' '--follow takes' -- 127.0.0.1 --follow 99
check bad_follow_eq 2 '' "--follow takes .* not 'x'" -- 127.0.0.1 --follow=x
check bad_timeout 2 '' '--timeout takes' -- 127.0.0.1 --timeout 0
check bad_permit 2 '' "--permit takes default, always or never" -- 127.0.0.1 --permit=sometimes
check tls_conflict 2 '' 'exclude each other' -- 127.0.0.1 --tls --no-tls
check no_tls_keylog 2 '' '--no-tls excludes' -- 127.0.0.1 --no-tls --keylog /dev/null
check bad_url 2 '' 'not a URL a connector accepts: .*E_URL_PORT' -- 'mariadb://db:99999'
check bad_scheme 2 '' 'not a URL a connector accepts' -- 'MariaDB://db'
check too_many_queries 2 "" "at most 32 --query" -- 127.0.0.1 $(for i in $(seq 33); do printf -- "--query x "; done)
check bad_keylog 1 '' 'cannot open the key log file' -- 127.0.0.1 --keylog /nonexistent/dir/k

# A refused connection: one connect record, one error record, the summary.
check refused 1 "^connect +host=\"127\.0\.0\.1\" port=$closed user=\"u\" hop=0
error +what=\"connect\" detail=\"connect 127\.0\.0\.1:$closed: Connection refused\"
FAILED +ok=false host=\"127\.0\.0\.1\" port=$closed hops=0\$" '' \
    -- "mariadb://u:p@127.0.0.1:$closed/db" --no-tls
check refused_json 1 "^\{\"event\":\"connect\",\"host\":\"127.0.0.1\",\"port\":$closed,\"user\":\"root\",\"hop\":0\}" '' \
    -- "127.0.0.1:$closed" --json
check refused_json_summary 1 "\{\"event\":\"summary\",\"ok\":false,\"host\":\"::1\",\"port\":$closed,\"hops\":0\}" '' \
    -- "[::1]:$closed" --json --user=someone
check percent_decoded 1 "user=\"a b\"" '' -- "mariadb://a%20b@127.0.0.1:$closed" --no-tls

echo "probe: $passed passed, $failed failed"
(( failed == 0 ))
