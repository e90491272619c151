# shellcheck shell=bash
# lib.sh: shared helpers for the live tests (sourced, not run).
#
#   . "$(dirname "$0")/lib.sh"
#   live_init NAME [DEADLINE_SECONDS]     temp dir, cleanup trap, watchdog
#   live_start_servers N                  N private mariadbd on loopback
#   ...
#   live_done                             summary line, exit status
#
# Servers: Debian's mariadbd through scripts/mariadb-server.sh, each with its
# own datadir under the temp dir, listening on 127.0.0.1 on a free port, with
# TLS certificates (SAN IP:127.0.0.1, DNS:localhost) issued by one CA the test
# makes ($LIVE_CA), and the test accounts of mariadb-server.sh ($MARIADB_USER,
# $MARIADB_PASSWORD, $MARIADB_ED_USER, ..., database $MARIADB_DATABASE).
# Server i (1..N) is described by LIVE_PORT[i], LIVE_DIR[i], LIVE_SOCKET[i],
# LIVE_ERRLOG[i] and has @@server_id = i: `live_identity PORT` prints
# "PORT SERVER_ID" as the server at PORT reports them, which tells the servers
# apart whatever their @@hostname.
#
# Everything a test starts with live_bg, and every server, is stopped when the
# script exits (trap), and by the watchdog when the deadline passes: the test
# then fails rather than leaving processes behind. LIVE_KEEP=1 keeps the temp
# dir for inspection.
#
# Exit status conventions: 0 passed, 1 failed, 77 skipped (no mariadbd).

LIVE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIVE_SERVER_SH=$LIVE_ROOT/scripts/mariadb-server.sh
export PATH=$PATH:/usr/sbin:/sbin

LIVE_NAME=live
LIVE_TMP=
LIVE_CA=
LIVE_PASSED=0
LIVE_FAILED=0
LIVE_BG_PIDS=()
LIVE_WATCHDOG=
declare -a LIVE_PORT=() LIVE_DIR=() LIVE_SOCKET=() LIVE_ERRLOG=()

# live_log MESSAGE...: a progress line on stderr, prefixed with the test name.
live_log() {
    echo "$LIVE_NAME: $*" >&2
}

# live_skip REASON: the test cannot run here (exit 77).
live_skip() {
    echo "$LIVE_NAME: skipped: $*"
    exit 77
}

# live_die REASON: a setup failure; the test fails.
live_die() {
    echo "$LIVE_NAME: FAIL: $*"
    exit 1
}

# live_init NAME [DEADLINE]: checks mariadbd is installed (skips otherwise),
# makes the temp dir $LIVE_TMP and the shared CA ($LIVE_CA), installs the
# cleanup trap, and starts a watchdog that ends the test after DEADLINE
# seconds (default 240) so cleanup runs even when something hangs.
live_init() {
    LIVE_NAME=${1:?live_init NAME [DEADLINE]}
    local deadline=${2:-240}
    command -v mariadbd >/dev/null || live_skip "mariadbd not installed"
    command -v mariadb >/dev/null || live_skip "mariadb client not installed"
    LIVE_TMP=$(mktemp -d "/tmp/redir-$LIVE_NAME.XXXXXX")
    trap live_cleanup EXIT
    trap 'live_log "interrupted"; exit 1' INT TERM HUP
    "$LIVE_ROOT/scripts/make-certs.sh" "$LIVE_TMP/ca" "$LIVE_TMP/ca" \
        || live_die "cannot make the test CA"
    LIVE_CA=$LIVE_TMP/ca/ca.pem
    export MARIADB_CA=$LIVE_CA
    # Its own process group, so that cleanup ends its sleep too. A command
    # running in the foreground delays the TERM trap: bound those with
    # live_timeout.
    setsid bash -c 'sleep "$1"; echo "$2: FAIL: deadline of $1 s passed" >&2; kill -TERM "$3"' \
        watchdog "$deadline" "$LIVE_NAME" "$$" </dev/null >&2 &
    LIVE_WATCHDOG=$!
}

# live_cleanup: the EXIT trap. Stops background commands (their whole process
# group), then the servers, then removes the temp dir.
live_cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    local pid
    for pid in "${LIVE_BG_PIDS[@]}"; do
        live_kill "$pid"
    done
    local i stops=()
    for i in "${!LIVE_DIR[@]}"; do
        MARIADB_START_TIMEOUT=20 "$LIVE_SERVER_SH" stop "${LIVE_DIR[$i]}" >/dev/null 2>&1 &
        stops+=($!)
    done
    for pid in "${stops[@]}"; do
        wait "$pid" 2>/dev/null
    done
    [[ -z $LIVE_WATCHDOG ]] || live_kill "$LIVE_WATCHDOG"
    if [[ -n $LIVE_TMP && -d $LIVE_TMP ]]; then
        if [[ ${LIVE_KEEP:-0} == 1 ]]; then
            echo "$LIVE_NAME: kept $LIVE_TMP" >&2
        else
            rm -rf "$LIVE_TMP"
        fi
    fi
    exit "$rc"
}

# live_free_port: prints a loopback TCP port nobody listens on now.
live_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# live_port_open PORT: status 0 when something accepts on 127.0.0.1:PORT.
live_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# live_wait SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds;
# status 1 when SECONDS passed first.
live_wait() {
    local tenths=$(( $1 * 10 ))
    shift
    until "$@"; do
        (( tenths-- > 0 )) || return 1
        sleep 0.1
    done
}

# live_wait_port PORT [SECONDS]: waits (default 10 s) until 127.0.0.1:PORT
# accepts connections. live_wait_port_closed: until nothing accepts there.
live_wait_port() {
    live_wait "${2:-10}" live_port_open "$1"
}
live_wait_port_closed() {
    live_wait "${2:-10}" live_port_closed "$1"
}
live_port_closed() {
    ! live_port_open "$1"
}

# live_timeout SECONDS COMMAND...: runs COMMAND, killed after SECONDS
# (KILL 5 s later if it ignores TERM); status 124 on timeout.
live_timeout() {
    local secs=$1
    shift
    timeout -k 5 "$secs" "$@"
}

# live_bg NAME COMMAND...: runs COMMAND in the background in its own process
# group, output to $LIVE_TMP/NAME.log; its pid is in LIVE_BG_PID and it is
# stopped at exit. Shell functions: `export -f f; live_bg NAME bash -c 'f'`.
live_bg() {
    local name=$1
    shift
    setsid "$@" </dev/null >"$LIVE_TMP/$name.log" 2>&1 &
    LIVE_BG_PID=$!
    LIVE_BG_PIDS+=("$LIVE_BG_PID")
}

# live_kill PID: TERM to PID's process group (as live_bg made it) and to PID,
# then KILL after 5 s; waits for it.
live_kill() {
    local pid=$1 tenths=50
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if (( tenths-- <= 0 )); then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
    return 0
}

# live_start_servers N: starts servers 1..N in parallel (one mariadb-install-db,
# its datadir copied for each) and fills LIVE_PORT, LIVE_DIR, LIVE_SOCKET,
# LIVE_ERRLOG. Exports the account variables of `mariadb-server.sh env`.
live_start_servers() {
    local n=${1:?live_start_servers N} i pids=() failed=0
    local template=$LIVE_TMP/template
    "$LIVE_SERVER_SH" init "$template" >"$LIVE_TMP/template.log" 2>&1 \
        || { cat "$LIVE_TMP/template.log"; live_die "mariadb-install-db failed"; }
    for (( i = 1; i <= n; i++ )); do
        LIVE_DIR[i]=$LIVE_TMP/server$i
        mkdir -p "${LIVE_DIR[i]}"
        cp -a "$template/data" "${LIVE_DIR[i]}/data"
        MARIADB_SERVER_ID=$i MARIADB_CA_DIR=$LIVE_TMP/ca \
            "$LIVE_SERVER_SH" start "${LIVE_DIR[i]}" >"${LIVE_DIR[i]}/start.log" 2>&1 &
        pids[i]=$!
    done
    for (( i = 1; i <= n; i++ )); do
        if ! wait "${pids[i]}"; then
            echo "$LIVE_NAME: server $i did not start:"
            sed 's/^/    /' "${LIVE_DIR[i]}/start.log"
            failed=1
        fi
    done
    (( failed == 0 )) || live_die "cannot start the servers"
    for (( i = 1; i <= n; i++ )); do
        eval "$("$LIVE_SERVER_SH" env "${LIVE_DIR[i]}")"
        LIVE_PORT[i]=$MARIADB_PORT
        LIVE_SOCKET[i]=$MARIADB_SOCKET
        LIVE_ERRLOG[i]=$MARIADB_ERROR_LOG
        [[ $MARIADB_SERVER_ID == "$i" ]] || live_die "server $i reports server_id $MARIADB_SERVER_ID"
    done
    # What differs between servers lives in the arrays only.
    unset MARIADB_DIR MARIADB_PORT MARIADB_SOCKET MARIADB_PID MARIADB_SERVER_ID \
          MARIADB_CERT MARIADB_KEY MARIADB_ERROR_LOG
    export MARIADB_CA=$LIVE_CA
}

# live_stop_server I: stops server I and waits until it exited (its port is
# then free). live_server_pid I prints its process id.
live_stop_server() {
    "$LIVE_SERVER_SH" stop "${LIVE_DIR[$1]}"
}
live_server_pid() {
    cat "${LIVE_DIR[$1]}/mariadbd.pid"
}

# live_admin I ARGS...: the mariadb client as administrator over server I's
# socket (batch mode, no column names), e.g. live_admin 1 -e 'SELECT 1'.
live_admin() {
    local i=$1
    shift
    mariadb --no-defaults --protocol=socket --socket="${LIVE_SOCKET[i]}" \
        -u "$MARIADB_ADMIN_USER" --batch --skip-column-names "$@"
}

# live_mariadb PORT ARGS...: the Debian mariadb client over TCP to PORT as the
# test user, TLS verified against the test CA, batch mode.
live_mariadb() {
    local port=$1
    shift
    mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" \
        -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" \
        --ssl --ssl-ca="$LIVE_CA" --ssl-verify-server-cert \
        --connect-timeout=5 --batch --skip-column-names "$@"
}

# live_identity PORT: prints "@@port @@server_id" of the server answering on
# 127.0.0.1:PORT (over verified TLS).
live_identity() {
    live_mariadb "$1" -e 'SELECT @@port, @@server_id' | tr '\t' ' '
}

# live_cert NAME: makes a server certificate for 127.0.0.1/localhost issued
# by the test CA under $LIVE_TMP/certs-NAME and prints that directory
# (server-cert.pem, server-key.pem, ca.pem).
live_cert() {
    local dir=$LIVE_TMP/certs-$1
    "$LIVE_ROOT/scripts/make-certs.sh" "$dir" "$LIVE_TMP/ca" >&2 || live_die "cannot make certificate $1"
    echo "$dir"
}

# live_raw MODE PORT ...: a misbehaving client (tests/live/rawclient.py: hold
# many idle connections, send given or random bytes after the greeting, stay
# silent) and what the server did about it.
live_raw() {
    python3 "$LIVE_ROOT/tests/live/rawclient.py" "$@"
}

# live_fds PID: how many file descriptors process PID has open.
live_fds() {
    local fds=(/proc/"$1"/fd/*)
    echo "${#fds[@]}"
}

# live_wait_line FILE REGEX [SECONDS]: waits (default 10 s) until a line of
# FILE matches REGEX (grep -E).
live_wait_line() {
    live_wait "${3:-10}" grep -qsE "$2" "$1"
}

# live_pass DESCRIPTION / live_fail DESCRIPTION [DETAIL_FILE]: one check's
# result line; a failure prints DETAIL_FILE indented.
live_pass() {
    LIVE_PASSED=$((LIVE_PASSED + 1))
    echo "ok   $1"
}
live_fail() {
    LIVE_FAILED=$((LIVE_FAILED + 1))
    echo "FAIL $1"
    if [[ -n ${2:-} && -f $2 ]]; then
        sed 's/^/     /' "$2"
    fi
}

# live_check DESCRIPTION COMMAND...: live_pass when COMMAND succeeds, else
# live_fail.
live_check() {
    local what=$1
    shift
    if "$@"; then
        live_pass "$what"
    else
        live_fail "$what"
    fi
}

# live_done: prints "NAME: P passed, F failed" and exits 0 when nothing failed.
live_done() {
    echo "$LIVE_NAME: $LIVE_PASSED passed, $LIVE_FAILED failed"
    (( LIVE_FAILED == 0 && LIVE_PASSED > 0 ))
    exit
}
