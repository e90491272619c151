#!/usr/bin/env bash
# test_replay.sh REDIR [PCAP_DIR]
#
# Starts a private MariaDB server (scripts/mariadb-server.sh), replays every
# capture the project recorded (PCAP_DIR/mariadb-*.pcap, default pcaps/)
# with `REDIR replay`, checks that replay reports a difference when the
# server answers differently, stops the server and prints
#   replay: N passed, M failed
# Exit status 0 when nothing failed, 77 (skipped) without mariadbd.
#
# Every flow of the captures is replayable. The captures hold no passwords,
# so flows whose login was refused for a wrong password are replayed with a
# wrong password (see the case table below), and flows whose login is
# encrypted (TLS) name their user explicitly.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
redir=${1:?usage: test_replay.sh REDIR [PCAP_DIR]}
pcaps=${2:-$root/pcaps}

if ! command -v mariadbd >/dev/null && [[ ! -x /usr/sbin/mariadbd ]]; then
    echo "test_replay.sh: mariadbd not installed: skipped"
    exit 77
fi
export PATH=$PATH:/usr/sbin
if ! "$redir" replay --help >/dev/null 2>&1; then
    echo "test_replay.sh: '$redir replay' is not available" >&2
    exit 1
fi

server_dir=$(mktemp -d /tmp/redir-replay-test.XXXXXX)
logs=$server_dir/logs
mkdir -p "$logs"
cleanup() {
    "$root/scripts/mariadb-server.sh" stop "$server_dir" >/dev/null 2>&1
    rm -rf "$server_dir"
}
trap cleanup EXIT

if ! "$root/scripts/mariadb-server.sh" start "$server_dir"; then
    echo "test_replay.sh: cannot start the server" >&2
    echo "replay: 0 passed, 1 failed"
    exit 1
fi
eval "$("$root/scripts/mariadb-server.sh" env "$server_dir")"

common=(--server "127.0.0.1:$MARIADB_PORT" --password "$MARIADB_PASSWORD"
        --account "$MARIADB_ED_USER:$MARIADB_ED_PASSWORD"
        --account "$MARIADB_SSL_USER:$MARIADB_SSL_PASSWORD"
        --tls-ca "$MARIADB_CA" --timeout 60)

passed=0
failed=0

# run NAME EXPECTED_STATUS ARGS...: one replay; EXPECTED_STATUS 0 for a match,
# 1 when the replay must report a difference.
run() {
    local name=$1 want=$2
    shift 2
    local log=$logs/${name//\//_}.log
    "$redir" replay "$@" >"$log" 2>&1
    local rc=$?
    local ok=0
    if [[ $want == 0 && $rc == 0 ]]; then
        ok=1
    elif [[ $want == 1 && $rc == 1 ]] && grep -q 'DIFFERENT' "$log"; then
        ok=1
    fi
    if (( ok )); then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit $rc, expected $want)"
        sed 's/^/     /' "$log"
    fi
}

shopt -s nullglob
files=("$pcaps"/mariadb-*.pcap)
if [[ ${#files[@]} -eq 0 ]]; then
    echo "test_replay.sh: no mariadb-*.pcap under $pcaps" >&2
    echo "replay: 0 passed, 1 failed"
    exit 1
fi

for f in "${files[@]}"; do
    base=$(basename "$f" .pcap)
    scenario=${base#mariadb-*-}
    case $scenario in
        tls)
            # The login is encrypted in the capture: name the users.
            run "$base#1" 0 -r "$f" "${common[@]}" --flow 1 \
                --user "$MARIADB_SSL_USER" --password "$MARIADB_SSL_PASSWORD"
            run "$base#2" 0 -r "$f" "${common[@]}" --flow 2 \
                --user "$MARIADB_ED_USER" --password "$MARIADB_ED_PASSWORD"
            ;;
        login-error)
            # Flows 1 and 3 were refused for a wrong password: replay them with
            # one. Flows 2 (unknown user), 4 (REQUIRE SSL over plaintext) and
            # 5 (database without privileges) fail with the real passwords.
            run "$base#1" 0 -r "$f" "${common[@]}" --flow 1 \
                --account "$MARIADB_USER:wrong-password"
            run "$base#3" 0 -r "$f" "${common[@]}" --flow 3 \
                --account "$MARIADB_ED_USER:wrong-password"
            run "$base#2,4,5" 0 -r "$f" "${common[@]}" --flow 2 --flow 4 --flow 5
            ;;
        *)
            run "$base" 0 -r "$f" "${common[@]}"
            ;;
    esac
done

# The replay must notice when the server answers differently.
login_error=("$pcaps"/mariadb-*-login-error.pcap)
query_error=("$pcaps"/mariadb-*-query-error.pcap)
if [[ ${#login_error[@]} -gt 0 ]]; then
    # The right password: the captured refusal becomes an OK.
    run "negative: login accepted" 1 -r "${login_error[0]}" "${common[@]}" --flow 1
fi
if [[ ${#query_error[@]} -gt 0 ]]; then
    # A table the capture expected to be missing exists now.
    admin=(mariadb --no-defaults --protocol=socket --socket="$MARIADB_SOCKET"
           -u "$MARIADB_ADMIN_USER" "$MARIADB_DATABASE")
    "${admin[@]}" -e 'CREATE TABLE no_such_table (a INT)'
    run "negative: table exists" 1 -r "${query_error[0]}" "${common[@]}"
    "${admin[@]}" -e 'DROP TABLE no_such_table'
fi

echo "replay: $passed passed, $failed failed"
(( failed == 0 ))
