#!/usr/bin/env bash
# make-captures.sh OUTDIR [SCENARIO...]
#
# Records the project's own capture corpus: starts a private MariaDB server
# (mariadb-server.sh), captures its loopback port with dumpcap while a client
# runs each scenario, checks with tshark that the expected packets are there,
# and writes OUTDIR/mariadb-<major.minor>-<scenario>.pcap.
#
# Clients: Debian's `mariadb` / `mariadb-admin` where they suffice, MariaDB
# Connector/Node.js (capture-client.js, `npm ci` in scripts/) otherwise.
# Needs root or CAP_NET_RAW for dumpcap on `lo`.
#
# Environment: MARIADB_CAPTURE_SERVER_DIR  server directory to use (default:
#              a temporary one, removed at the end).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
all_scenarios=(plain tls session-track auth-switch-ed25519 login-error query-error compress
               large-packet progress change-user reset-connection multi-result pipelined
               prepared)

[[ $# -ge 1 ]] || { echo "usage: $0 OUTDIR [SCENARIO...]" >&2; exit 2; }
mkdir -p "$1"
outdir=$(cd "$1" && pwd)
shift
if [[ $# -gt 0 ]]; then
    scenarios=("$@")
else
    scenarios=("${all_scenarios[@]}")
fi

for tool in dumpcap tshark mariadb mariadb-admin node python3; do
    command -v "$tool" >/dev/null || { echo "make-captures.sh: $tool not found" >&2; exit 1; }
done
if [[ ! -d $script_dir/node_modules/mariadb ]]; then
    (cd "$script_dir" && npm ci --no-audit --no-fund >/dev/null)
fi

owns_server_dir=0
server_dir=${MARIADB_CAPTURE_SERVER_DIR:-}
if [[ -z $server_dir ]]; then
    server_dir=$(mktemp -d /tmp/redir-capture.XXXXXX)
    owns_server_dir=1
fi
work=$(mktemp -d /tmp/redir-capture-work.XXXXXX)
dumpcap_pid=

cleanup() {
    if [[ -n $dumpcap_pid ]]; then
        kill -INT "$dumpcap_pid" 2>/dev/null || true
        wait "$dumpcap_pid" 2>/dev/null || true
    fi
    "$script_dir/mariadb-server.sh" stop "$server_dir" || true
    if (( owns_server_dir )); then
        rm -rf "$server_dir"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$script_dir/mariadb-server.sh" start "$server_dir"
eval "$("$script_dir/mariadb-server.sh" env "$server_dir")"
series=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$MARIADB_VERSION")
port=$MARIADB_PORT

# Plain-text client connections (the 10.11 client asks for TLS by default).
cli() {
    mariadb --no-defaults --protocol=tcp -h "$MARIADB_HOST" -P "$port" --skip-ssl "$@"
}
cli_user() { cli -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" "$@"; }

# ---------------------------------------------------------------- capture
pcap_of() { echo "$outdir/mariadb-$series-$1.pcap"; }

capture_start() {
    local file=$1
    rm -f "$file"
    : >"$work/dumpcap.err"
    dumpcap -q -i lo -f "tcp port $port" -P -B 64 -s 262144 -w "$file" \
        2>"$work/dumpcap.err" &
    dumpcap_pid=$!
    local waited=0
    until grep -q '^File:' "$work/dumpcap.err"; do
        if ! kill -0 "$dumpcap_pid" 2>/dev/null || (( waited > 100 )); then
            cat "$work/dumpcap.err" >&2
            echo "make-captures.sh: dumpcap did not start" >&2
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

capture_stop() {
    local file=$1
    # Let the last FIN/ACK segments reach the capture before stopping it.
    sleep 0.5
    kill -INT "$dumpcap_pid"
    wait "$dumpcap_pid" || true
    dumpcap_pid=
    if grep -Eq 'dropped on interface.*: [0-9]+/[1-9]' "$work/dumpcap.err"; then
        cat "$work/dumpcap.err" >&2
        echo "make-captures.sh: dumpcap dropped packets in $file" >&2
        exit 1
    fi
    chmod 644 "$file"
}

# ---------------------------------------------------------------- checks
failures=0

# count FILE DISPLAY-FILTER: number of MySQL PDUs matching the filter.
count() {
    tshark -r "$1" -d "tcp.port==$port,mysql" -Y "$2" -T fields -e frame.number 2>/dev/null \
        | wc -l
}

# expect FILE DISPLAY-FILTER MIN: at least MIN frames match.
expect() {
    local n
    n=$(count "$1" "$2")
    if (( n < $3 )); then
        echo "  FAIL $(basename "$1"): '$2' matched $n frames, expected >= $3" >&2
        failures=$((failures + 1))
    else
        echo "  ok   '$2': $n"
    fi
}

# expect_none FILE DISPLAY-FILTER: no frame matches.
expect_none() {
    local n
    n=$(count "$1" "$2")
    if (( n != 0 )); then
        echo "  FAIL $(basename "$1"): '$2' matched $n frames, expected none" >&2
        failures=$((failures + 1))
    else
        echo "  ok   no '$2'"
    fi
}

# expect_flows FILE N: exactly N TCP connections.
expect_flows() {
    local n
    n=$(tshark -r "$1" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
            -e tcp.stream 2>/dev/null | sort -u | wc -l)
    if (( n != $2 )); then
        echo "  FAIL $(basename "$1"): $n connections, expected $2" >&2
        failures=$((failures + 1))
    else
        echo "  ok   $n connection(s)"
    fi
}

# expect_pipelined FILE: somewhere two client commands follow each other
# without a server packet in between.
expect_pipelined() {
    local n
    n=$(tshark -r "$1" -d "tcp.port==$port,mysql" -Y mysql -T fields -e tcp.srcport \
            -e mysql.command 2>/dev/null \
        | awk -v sp="$port" '
            $1 == sp { pending = 0; next }
            NF > 1 { pending += split($2, a, ","); if (pending > 1) n++ }
            END { print n + 0 }')
    if (( n < 1 )); then
        echo "  FAIL $(basename "$1"): no pipelined commands" >&2
        failures=$((failures + 1))
    else
        echo "  ok   $n command(s) sent before the previous response"
    fi
}

# expect_server_payload FILE MIN: the server sent at least MIN TCP payload bytes.
expect_server_payload() {
    local n
    n=$(tshark -r "$1" -Y "tcp.srcport == $port" -T fields -e tcp.len 2>/dev/null \
        | awk '{ s += $1 } END { print s + 0 }')
    if (( n < $2 )); then
        echo "  FAIL $(basename "$1"): server sent $n bytes, expected >= $2" >&2
        failures=$((failures + 1))
    else
        echo "  ok   server payload $n bytes"
    fi
}

# ---------------------------------------------------------------- scenarios
scenario_plain() {
    cli_user "$MARIADB_DATABASE" <<'EOF'
SELECT 1;
SELECT VERSION() LIKE '10.%' AS is_10, @@version_comment IS NOT NULL AS has_comment;
SELECT NULL AS n, 'text' AS s, 3.14 AS d, -7 AS i, CAST('2024-01-02 03:04:05' AS DATETIME) AS dt;
DROP TABLE IF EXISTS plain_demo;
CREATE TABLE plain_demo (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32) NOT NULL, note TEXT);
INSERT INTO plain_demo (name, note) VALUES ('alpha', NULL), ('beta', 'b'), ('gamma', REPEAT('g', 300));
SELECT * FROM plain_demo ORDER BY id;
UPDATE plain_demo SET note = 'changed' WHERE id = 2;
DELETE FROM plain_demo WHERE id = 3;
SELECT id, name FROM plain_demo WHERE id > 100;
SHOW TABLES;
DROP TABLE plain_demo;
EOF
    mariadb-admin --no-defaults --protocol=tcp -h "$MARIADB_HOST" -P "$port" --skip-ssl \
        -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" ping status >/dev/null
}
check_plain() {
    expect_flows "$1" 2
    expect "$1" 'mysql.command == 3' 12
    expect "$1" 'mysql.command == 14' 1
    expect "$1" 'mysql.command == 9' 1
    expect "$1" 'mysql.num_fields' 5
    expect_none "$1" 'mysql.caps.sl == 1 && mysql.client_auth_plugin'
    expect_none "$1" 'mysql.error_code'
}

scenario_tls() {
    local tls=(--ssl --ssl-ca="$MARIADB_CA" --ssl-verify-server-cert)
    mariadb --no-defaults --protocol=tcp -h "$MARIADB_HOST" -P "$port" "${tls[@]}" \
        -u "$MARIADB_SSL_USER" -p"$MARIADB_SSL_PASSWORD" "$MARIADB_DATABASE" <<'EOF'
SELECT 1;
SHOW SESSION STATUS LIKE 'Ssl_version';
SELECT CURRENT_USER();
EOF
    mariadb --no-defaults --protocol=tcp -h "$MARIADB_HOST" -P "$port" "${tls[@]}" \
        -u "$MARIADB_ED_USER" -p"$MARIADB_ED_PASSWORD" "$MARIADB_DATABASE" -e 'SELECT CURRENT_USER()'
}
check_tls() {
    expect_flows "$1" 2
    expect "$1" 'mysql.caps.sl == 1' 2
    expect "$1" 'tls.handshake.type == 1' 2
    expect "$1" 'tls.handshake.type == 2' 2
    expect "$1" 'tls.app_data' 10
}

scenario_session_track() {
    cli_user "$MARIADB_DATABASE" <<'EOF'
SET SESSION session_track_system_variables = '*';
SET SESSION session_track_schema = ON;
SET SESSION session_track_state_change = ON;
SET SESSION session_track_transaction_info = 'CHARACTERISTICS';
SET SESSION time_zone = '+02:00';
SET NAMES latin1;
SET NAMES utf8mb4;
SET @user_var = 1;
use information_schema
use redir_test
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
START TRANSACTION READ ONLY;
SELECT 1;
COMMIT;
CREATE TEMPORARY TABLE st_tmp (a INT);
START TRANSACTION;
INSERT INTO st_tmp VALUES (1);
SELECT a FROM st_tmp;
ROLLBACK;
SET autocommit = 0;
INSERT INTO st_tmp VALUES (2);
COMMIT;
SET autocommit = 1;
PREPARE st_stmt FROM 'SELECT 1';
DEALLOCATE PREPARE st_stmt;
SET SESSION session_track_transaction_info = 'STATE';
START TRANSACTION WITH CONSISTENT SNAPSHOT;
SELECT COUNT(*) FROM st_tmp;
COMMIT;
DROP TEMPORARY TABLE st_tmp;
EOF
}
check_session_track() {
    expect_flows "$1" 1
    expect "$1" 'mysql.caps.session_track == 1' 1
    expect "$1" 'mysql.session_track.type == 0' 5
    expect "$1" 'mysql.session_track.type == 1' 2
    expect "$1" 'mysql.session_track.type == 2' 3
    expect "$1" 'mysql.session_track.type == 4' 1
    expect "$1" 'mysql.session_track.type == 5' 2
    expect "$1" 'mysql.command == 2' 2
    expect_none "$1" 'mysql.error_code'
}

scenario_auth_switch_ed25519() {
    cli -u "$MARIADB_ED_USER" -p"$MARIADB_ED_PASSWORD" "$MARIADB_DATABASE" \
        -e 'SELECT CURRENT_USER(); SELECT 1'
}
check_auth_switch_ed25519() {
    expect_flows "$1" 1
    expect "$1" 'mysql.client_auth_plugin == "mysql_native_password"' 1
    expect "$1" 'mysql.auth_switch_request.name == "client_ed25519"' 1
    expect "$1" 'mysql.command == 3' 2
    expect_none "$1" 'mysql.error_code'
}

scenario_login_error() {
    # Each login is expected to fail; the client's exit status is not an error here.
    cli -u "$MARIADB_USER" -pwrong-password -e 'SELECT 1' 2>/dev/null && return 1
    cli -u no_such_user -psomething -e 'SELECT 1' 2>/dev/null && return 1
    cli -u "$MARIADB_ED_USER" -pwrong-password -e 'SELECT 1' 2>/dev/null && return 1
    cli -u "$MARIADB_SSL_USER" -p"$MARIADB_SSL_PASSWORD" -e 'SELECT 1' 2>/dev/null && return 1
    cli -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" no_such_db -e 'SELECT 1' 2>/dev/null && return 1
    return 0
}
check_login_error() {
    expect_flows "$1" 5
    expect "$1" 'mysql.error_code == 1045' 4
    expect "$1" 'mysql.error_code == 1044' 1
    expect "$1" 'mysql.auth_switch_request.name == "client_ed25519"' 1
    expect_none "$1" 'mysql.command == 3'
}

scenario_query_error() {
    cli_user --force "$MARIADB_DATABASE" <<'EOF' 2>/dev/null || true
SELEC 1;
SELECT * FROM no_such_table;
SELECT no_such_column FROM information_schema.TABLES LIMIT 1;
DROP TABLE IF EXISTS err_demo;
CREATE TABLE err_demo (id INT PRIMARY KEY);
INSERT INTO err_demo VALUES (1);
INSERT INTO err_demo VALUES (1);
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom failure', MYSQL_ERRNO = 5555;
SELECT 18446744073709551615 + 1;
SELECT 1 / 0;
SHOW WARNINGS;
use no_such_db
SELECT 'still connected';
DROP TABLE err_demo;
EOF
}
check_query_error() {
    expect_flows "$1" 1
    for code in 1064 1146 1054 1062 5555 1690 1044; do
        expect "$1" "mysql.error_code == $code" 1
    done
    expect "$1" 'mysql.num_fields' 3
}

scenario_compress() {
    cli_user --compress --force "$MARIADB_DATABASE" <<'EOF' 2>/dev/null
SELECT 1;
SELECT REPEAT('compressible ', 2000) AS big;
SELECT seq, seq * seq AS sq FROM seq_1_to_300;
SELECT * FROM no_such_table;
SELECT 'done';
EOF
}
check_compress() {
    expect_flows "$1" 1
    expect "$1" 'mysql.caps.cp == 1' 2
    expect "$1" 'mysql.compressed_packet_length_uncompressed > 0' 2
}

scenario_large_packet() {
    # 16 MiB of data in one column: the row payload exceeds 0xffffff bytes and
    # is split into a full-length packet and a continuation packet.
    cli_user --max-allowed-packet=64M "$MARIADB_DATABASE" \
        -e "SELECT REPEAT('x', 16777216) AS big; SELECT 'after' AS tail" >/dev/null
}
check_large_packet() {
    expect_flows "$1" 1
    expect_server_payload "$1" 16777225
    local n
    n=$(python3 - "$1" "$port" <<'EOF'
import struct, sys
# Scan the server's TCP payload (loopback, no loss) for packet headers and
# count packets whose length field is 0xffffff.
data = open(sys.argv[1], 'rb').read()
port = int(sys.argv[2])
off, stream = 24, bytearray()
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack_from('<IIII', data, off)
    frame = data[off + 16: off + 16 + incl]
    off += 16 + incl
    ihl = (frame[14] & 0x0f) * 4
    tcp = frame[14 + ihl:]
    if struct.unpack_from('>H', tcp, 0)[0] == port:
        stream += tcp[(tcp[12] >> 4) * 4:]
pos, full = 0, 0
while pos + 4 <= len(stream):
    ln = stream[pos] | stream[pos + 1] << 8 | stream[pos + 2] << 16
    full += ln == 0xffffff
    pos += 4 + ln
print(full)
EOF
)
    if (( n < 1 )); then
        echo "  FAIL $(basename "$1"): no 0xffffff-long packet" >&2
        failures=$((failures + 1))
    else
        echo "  ok   $n packet(s) of length 0xffffff"
    fi
}

scenario_progress() {
    cli_user --progress-reports "$MARIADB_DATABASE" <<'EOF'
SET SESSION progress_report_time = 1;
DROP TABLE IF EXISTS progress_demo;
CREATE TABLE progress_demo (id INT PRIMARY KEY, pad CHAR(100)) ENGINE=InnoDB;
INSERT INTO progress_demo SELECT seq, REPEAT('p', 100) FROM seq_1_to_1000000;
ALTER TABLE progress_demo ADD COLUMN extra INT, ALGORITHM=COPY;
DROP TABLE progress_demo;
EOF
}
check_progress() {
    expect_flows "$1" 1
    expect "$1" 'mariadb.caps.pr == 1' 1
    expect "$1" 'mysql.error_code == 65535' 1
}

scenario_node() { node "$script_dir/capture-client.js" "$1"; }

scenario_change_user() { scenario_node change-user; }
check_change_user() {
    expect_flows "$1" 2
    expect "$1" 'mysql.command == 17' 3
    expect "$1" 'mysql.auth_switch_request.name == "client_ed25519"' 1
    expect "$1" 'mysql.error_code == 1045' 1
}

scenario_reset_connection() { scenario_node reset-connection; }
check_reset_connection() {
    expect_flows "$1" 1
    expect "$1" 'mysql.command == 31' 1
    expect "$1" 'mysql.command == 14' 1
    expect "$1" 'mysql.error_code == 1146' 1
}

scenario_multi_result() {
    cli_user --force "$MARIADB_DATABASE" <<'EOF' 2>/dev/null
DROP PROCEDURE IF EXISTS two_sets;
DELIMITER //
CREATE PROCEDURE two_sets()
BEGIN
  SELECT 1 AS a;
  SELECT 'x' AS b, 2 AS c UNION ALL SELECT 'y', 3;
END //
CALL two_sets() //
SELECT 1 AS first; SELECT 2 AS second, 3 AS third //
SELECT 'before'; SELECT * FROM no_such_table; SELECT 'never' //
DELIMITER ;
DROP PROCEDURE two_sets;
EOF
}
check_multi_result() {
    expect_flows "$1" 1
    expect "$1" 'mysql.num_fields' 5
    expect "$1" 'mysql.error_code == 1146' 1
}

scenario_pipelined() { scenario_node pipelined; }
check_pipelined() {
    expect_flows "$1" 1
    expect "$1" 'mysql.command == 3' 6
    expect "$1" 'mysql.error_code == 1146' 1
    expect_pipelined "$1"
}

scenario_prepared() { scenario_node prepared; }
check_prepared() {
    expect_flows "$1" 1
    expect "$1" 'mysql.command == 22' 4
    expect "$1" 'mysql.command == 23' 4
    expect "$1" 'mysql.command == 25' 2
    expect "$1" 'mysql.command == 250' 1
    expect "$1" 'mysql.error_code == 1062' 1
    expect "$1" 'mysql.error_code == 1146' 1
}

# ---------------------------------------------------------------- main
for s in "${scenarios[@]}"; do
    fn=${s//-/_}
    if ! declare -F "scenario_$fn" >/dev/null; then
        echo "make-captures.sh: unknown scenario '$s' (known: ${all_scenarios[*]})" >&2
        exit 2
    fi
    file=$(pcap_of "$s")
    echo "== $s -> $(basename "$file")"
    capture_start "$file"
    if ! "scenario_$fn" >"$work/$s.out"; then
        echo "  FAIL $s: the client scenario failed" >&2
        failures=$((failures + 1))
    fi
    capture_stop "$file"
    "check_$fn" "$file"
done

echo "server: $MARIADB_VERSION; date: $(date -u +%Y-%m-%d)"
if (( failures )); then
    echo "make-captures.sh: $failures check(s) failed" >&2
    exit 1
fi
