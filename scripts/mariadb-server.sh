#!/usr/bin/env bash
# mariadb-server.sh start|stop|status|env|init DIR
#
# Runs a private MariaDB server (Debian's mariadbd) for tests and captures:
# its own datadir, socket, pid file and error log under DIR, listening on
# 127.0.0.1 only, on a free port, with TLS (certificates from make-certs.sh).
#
#   start  initialise DIR if needed, start the server, wait until it answers,
#          create the test accounts; does nothing if it already runs
#   init   only create the datadir DIR/data (mariadb-install-db); a copy of
#          it serves as the datadir of another DIR (start then skips the
#          installation but still creates the accounts)
#   stop   shut the server down and wait for it to exit; no-op if not running
#   status exit 0 if the server answers, 1 otherwise
#   env    print shell exports describing the running server
#
# Accounts (all for any host, the server only listens on loopback):
#   redir      / redir-pass      mysql_native_password
#   redir_ed   / redir-ed-pass   ed25519 (plugin auth_ed25519)
#   redir_ssl  / redir-ssl-pass  mysql_native_password, REQUIRE SSL
# and a database `redir_test` on which they all have every privilege.
# The administrator connects over the socket as the system user (unix_socket).
#
# Environment: MARIADB_START_TIMEOUT (seconds, default 60),
#              MARIADB_EXTRA_ARGS (appended to the mariadbd command line),
#              MARIADB_SERVER_ID (the server's @@server_id, default 1),
#              MARIADB_CA_DIR (a certificate authority shared with other
#              servers, see make-certs.sh; default: one of DIR's own).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=$PATH:/usr/sbin:/sbin

usage() {
    echo "usage: $0 start|stop|status|env|init DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

datadir=$dir/data
certdir=$dir/certs
pidfile=$dir/mariadbd.pid
errlog=$dir/error.log
portfile=$dir/port
timeout=${MARIADB_START_TIMEOUT:-60}

# A unix socket path is limited to 107 bytes; fall back to /tmp for deep DIRs.
socket=$dir/mariadbd.sock
if (( ${#socket} > 100 )); then
    socket=/tmp/redir-mariadb-$(printf '%s' "$dir" | sha1sum | cut -c1-16).sock
fi

if [[ $(id -u) -eq 0 ]]; then
    run_user=root
else
    run_user=$(id -un)
fi

die() {
    echo "mariadb-server.sh: $*" >&2
    if [[ -f $errlog ]]; then
        echo "---- last lines of $errlog ----" >&2
        tail -n 30 "$errlog" >&2
    fi
    exit 1
}

admin_sql() {
    mariadb --no-defaults --protocol=socket --socket="$socket" -u "$run_user" \
        --batch --skip-column-names "$@"
}

server_pid() {
    [[ -s $pidfile ]] || return 1
    local pid
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

answers() {
    [[ -S $socket ]] || return 1
    mariadb-admin --no-defaults --protocol=socket --socket="$socket" -u "$run_user" \
        --connect-timeout=2 ping >/dev/null 2>&1
}

# free_port prints a loopback TCP port nobody listens on. mariadbd may still
# lose a race for it; launch then reports the conflict and a new port is tried.
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        if [[ -z $(ss -Htln "sport = :$p" 2>/dev/null) ]]; then
            echo "$p"
            return
        fi
    done
}

provision() {
    local have_ed
    have_ed=$(admin_sql -e "SELECT COUNT(*) FROM information_schema.PLUGINS
                            WHERE PLUGIN_NAME = 'ed25519'") || return 1
    if [[ $have_ed == 0 ]]; then
        admin_sql -e "INSTALL SONAME 'auth_ed25519'" || return 1
    fi
    admin_sql <<'EOF'
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS redir_test;
CREATE OR REPLACE USER 'redir'@'%'
    IDENTIFIED WITH mysql_native_password USING PASSWORD('redir-pass');
CREATE OR REPLACE USER 'redir_ed'@'%'
    IDENTIFIED VIA ed25519 USING PASSWORD('redir-ed-pass');
CREATE OR REPLACE USER 'redir_ssl'@'%'
    IDENTIFIED WITH mysql_native_password USING PASSWORD('redir-ssl-pass') REQUIRE SSL;
GRANT ALL PRIVILEGES ON redir_test.* TO 'redir'@'%', 'redir_ed'@'%', 'redir_ssl'@'%';
GRANT PROCESS, RELOAD ON *.* TO 'redir'@'%';
FLUSH PRIVILEGES;
EOF
}

# launch PORT starts mariadbd and waits until it answers. Returns 1 when
# the port was taken meanwhile; any other failure ends the script.
launch() {
    local port=$1
    echo "$port" >"$portfile"
    rm -f "$socket" "$pidfile"
    : >"$errlog"

    # shellcheck disable=SC2086
    setsid mariadbd --no-defaults \
        --user="$run_user" \
        --datadir="$datadir" \
        --socket="$socket" \
        --pid-file="$pidfile" \
        --log-error="$errlog" \
        --port="$port" \
        --bind-address=127.0.0.1 \
        --skip-networking=0 \
        --skip-name-resolve \
        --ssl-ca="$certdir/ca.pem" \
        --ssl-cert="$certdir/server-cert.pem" \
        --ssl-key="$certdir/server-key.pem" \
        --max-allowed-packet=64M \
        --innodb-buffer-pool-size=64M \
        --innodb-log-file-size=16M \
        --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_general_ci \
        --local-infile=1 \
        --max-connections=500 \
        --server-id="${MARIADB_SERVER_ID:-1}" \
        ${MARIADB_EXTRA_ARGS:-} \
        </dev/null >/dev/null 2>>"$errlog" &
    local child=$!

    local waited=0
    until answers; do
        if (( waited >= timeout * 10 )); then
            kill -TERM "$child" 2>/dev/null
            die "server did not answer within ${timeout}s"
        fi
        if ! kill -0 "$child" 2>/dev/null; then
            if grep -q 'Address already in use' "$errlog"; then
                return 1
            fi
            die "mariadbd exited during startup"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

do_start() {
    if server_pid >/dev/null && answers; then
        return 0
    fi
    if pid=$(server_pid); then
        # A server holds the pid file but does not answer: stop it and
        # start afresh.
        do_stop
    fi

    command -v mariadbd >/dev/null || die "mariadbd not found (apt-get install mariadb-server)"
    "$script_dir/make-certs.sh" "$certdir" ${MARIADB_CA_DIR:+"$MARIADB_CA_DIR"} \
        || die "certificate generation failed"
    do_init

    local attempt
    for attempt in 1 2 3 4 5; do
        if launch "$(free_port)"; then
            break
        fi
        (( attempt < 5 )) || die "no free port after 5 attempts"
    done

    if [[ ! -f $dir/.provisioned ]]; then
        provision || die "creating the test accounts failed"
        touch "$dir/.provisioned"
    fi
}

do_init() {
    if [[ ! -d $datadir/mysql ]]; then
        rm -rf "$datadir"
        mkdir -p "$datadir"
        mariadb-install-db --no-defaults --user="$run_user" --datadir="$datadir" \
            --auth-root-authentication-method=socket --skip-test-db \
            --skip-name-resolve --innodb-log-file-size=16M >"$dir/install.log" 2>&1 \
            || { tail -n 30 "$dir/install.log" >&2; die "mariadb-install-db failed"; }
        rm -f "$dir/.provisioned"
    fi
}

do_stop() {
    local pid
    pid=$(server_pid) || { rm -f "$pidfile"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if (( waited >= timeout * 10 )); then
            echo "mariadb-server.sh: server $pid ignored SIGTERM for ${timeout}s, killing" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$pidfile"
}

do_env() {
    server_pid >/dev/null && answers || die "no server running under $dir"
    local version server_id
    version=$(admin_sql -e 'SELECT VERSION()')
    server_id=$(admin_sql -e 'SELECT @@server_id')
    cat <<EOF
export MARIADB_DIR='$dir'
export MARIADB_HOST=127.0.0.1
export MARIADB_PORT=$(<"$portfile")
export MARIADB_SOCKET='$socket'
export MARIADB_PID=$(<"$pidfile")
export MARIADB_VERSION='$version'
export MARIADB_SERVER_ID=$server_id
export MARIADB_CA='$certdir/ca.pem'
export MARIADB_CERT='$certdir/server-cert.pem'
export MARIADB_KEY='$certdir/server-key.pem'
export MARIADB_ERROR_LOG='$errlog'
export MARIADB_ADMIN_USER='$run_user'
export MARIADB_DATABASE=redir_test
export MARIADB_USER=redir
export MARIADB_PASSWORD=redir-pass
export MARIADB_ED_USER=redir_ed
export MARIADB_ED_PASSWORD=redir-ed-pass
export MARIADB_SSL_USER=redir_ssl
export MARIADB_SSL_PASSWORD=redir-ssl-pass
EOF
}

case $action in
    start) do_start ;;
    stop) do_stop ;;
    status) server_pid >/dev/null && answers ;;
    env) do_env ;;
    init) do_init ;;
    *) usage ;;
esac
