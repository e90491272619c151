#!/usr/bin/env bash
# test_probe.sh REDIR
#
# `redir probe` against real processes on loopback: two private mariadbd
# (Debian's package, TLS with a CA the test makes) as targets and
# `redir serve` as the old server.
#   1. over verified TLS, probe is redirected by each carrier (session-track,
#      err, location) and lands on the target, where its query runs; the
#      same through two hops; a hop limit and a loop are refused; over a
#      certificate it cannot verify the redirect is refused
#   3. the Debian mariadb client, which does not follow, shows the ERR
#      carrier's message naming the target
#   4. man in the middle: with TLS required, a plaintext ERR redirect
#      injected before the TLS handshake (in place of the server's TLS
#      answer, or of its greeting) is refused by probe and reported as an
#      error by the Debian client; neither goes to the injected target
#   keylog: `probe --keylog F` writes NSS key log lines with which tshark
#      decrypts a tcpdump capture of the session and finds the query
# Exit status 0 passed, 1 failed, 77 skipped (no mariadbd).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
redir=${1:?usage: test_probe.sh REDIR}
. "$here/lib.sh"
live_init probe 300

"$redir" probe --help >/dev/null 2>&1 || live_die "'$redir probe' is not available"
"$redir" serve --help >/dev/null 2>&1 || live_die "'$redir serve' is not available"

live_start_servers 2
P1=${LIVE_PORT[1]}
P2=${LIVE_PORT[2]}
certs=$(live_cert serve)
# A certificate for 127.0.0.1 from a CA the probe does not trust.
"$LIVE_ROOT/scripts/make-certs.sh" "$LIVE_TMP/rogue" >/dev/null || live_die "cannot make rogue certs"

# serve NAME ARGS...: starts `redir serve` on port $SERVE_AT or a free port
# (in $SERVE_PORT), its log in $LIVE_TMP/NAME.serve.log, stopped at exit.
serve() {
    local name=$1
    shift
    SERVE_PORT=${SERVE_AT:-$(live_free_port)}
    live_bg "$name" "$redir" serve --listen "127.0.0.1:$SERVE_PORT" --timeout 20 \
        --log "$LIVE_TMP/$name.serve.log" "$@"
    live_wait_port "$SERVE_PORT" 10 || live_die "redir serve $name did not start: $(cat "$LIVE_TMP/$name.log")"
}
tls_serve=(--tls-cert "$certs/server-cert.pem" --tls-key "$certs/server-key.pem")

# probe NAME ARGS...: runs probe as the test user, output in $LIVE_TMP/NAME.out.
probe() {
    local name=$1
    shift
    live_timeout 60 "$redir" probe --user "$MARIADB_USER" --password "$MARIADB_PASSWORD" \
        --timeout 10 "$@" >"$LIVE_TMP/$name.out" 2>&1
}

# has NAME PATTERN: the output of probe NAME has a line matching PATTERN (ERE).
has() {
    grep -Eq -- "$2" "$LIVE_TMP/$1.out"
}

# landed_on NAME PORT: probe NAME ran its query on the server at PORT.
landed_on() {
    has "$1" "^row .* values=\[\"[^\"]*\" \"$2\" \"[0-9]+\"\]\$" &&
        has "$1" "^landed +ok=true host=\"127\.0\.0\.1\" port=$2 "
}

# ------------------------------------------------------------------ 1. carriers
for carrier in session-track err location; do
    serve "st-$carrier" --carrier "$carrier" --target "mariadb://127.0.0.1:$P1" "${tls_serve[@]}"
    probe "carrier-$carrier" "mariadb://127.0.0.1:$SERVE_PORT/$MARIADB_DATABASE" \
        --tls --tls-ca "$LIVE_CA" --tls-verify
    rc=$?
    if (( rc == 0 )) &&
            has "carrier-$carrier" "^redirect +carrier=\"$carrier\" .* host=\"127\.0\.0\.1\" port=$P1 " &&
            has "carrier-$carrier" '^redirect .* decision="follow" reason="follow-ok"' &&
            has "carrier-$carrier" '^tls .* verified=true' && landed_on "carrier-$carrier" "$P1"; then
        live_pass "$carrier carrier over verified TLS: followed to $P1, query ran there"
    else
        live_fail "$carrier carrier: probe exit $rc" "$LIVE_TMP/carrier-$carrier.out"
    fi
done

# An ed25519 account: the target switches the probe to client_ed25519.
live_timeout 60 "$redir" probe "127.0.0.1:$SERVE_PORT" --user "$MARIADB_ED_USER" \
    --password "$MARIADB_ED_PASSWORD" --tls --tls-ca "$LIVE_CA" --tls-verify >"$LIVE_TMP/ed25519.out" 2>&1
rc=$?
if (( rc == 0 )) && has ed25519 '^login .* auth_plugin="client_ed25519"' && landed_on ed25519 "$P1"; then
    live_pass "ed25519 account: redirected, authenticated at the target with client_ed25519"
else
    live_fail "ed25519 account: probe exit $rc" "$LIVE_TMP/ed25519.out"
fi

# The same in JSON: one object per line, the redirect decided by the policy.
probe carrier-json "127.0.0.1:$SERVE_PORT" --tls --tls-ca "$LIVE_CA" --json
if jq -e -s --argjson p "$P1" '
        (map(select(.event == "redirect"))[0] | .carrier == "location" and .decision == "follow"
            and .reason == "follow-ok" and .port == $p)
        and (map(select(.event == "row"))[0].values[1] == ($p | tostring))
        and (map(select(.event == "summary"))[0] | .ok and .port == $p and .hops == 1)' \
        "$LIVE_TMP/carrier-json.out" >/dev/null; then
    live_pass "--json reports the redirect, the decision and the row"
else
    live_fail "--json output" "$LIVE_TMP/carrier-json.out"
fi

# ------------------------------------------------------------------ 1. two hops
serve hop2 --carrier err --target "mariadb://127.0.0.1:$P2" "${tls_serve[@]}"
hop2=$SERVE_PORT
serve hop1 --carrier session-track --target "mariadb://127.0.0.1:$hop2" "${tls_serve[@]}"
hop1=$SERVE_PORT
probe two-hops "127.0.0.1:$hop1" --tls --tls-ca "$LIVE_CA" --tls-verify --follow 2
rc=$?
if (( rc == 0 )) && has two-hops "^follow +host=\"127\.0\.0\.1\" port=$hop2 hop=1 " &&
        has two-hops "^follow +host=\"127\.0\.0\.1\" port=$P2 hop=2 " && landed_on two-hops "$P2" &&
        has two-hops "^landed .* hops=2\$"; then
    live_pass "two hops (session-track, then err): landed on $P2"
else
    live_fail "two hops: probe exit $rc" "$LIVE_TMP/two-hops.out"
fi
probe hop-limit "127.0.0.1:$hop1" --tls --tls-ca "$LIVE_CA" --follow 1
rc=$?
if (( rc == 1 )) && has hop-limit '^redirect .* decision="refuse" reason="hop-limit"' &&
        ! has hop-limit "^follow .* port=$P2 "; then
    live_pass "--follow 1 over two hops: the second redirect is refused (hop-limit)"
else
    live_fail "hop limit: probe exit $rc" "$LIVE_TMP/hop-limit.out"
fi

# A loop: a -> b -> a (ports chosen first, so each can name the other).
loop_a=$(live_free_port)
loop_b=$(live_free_port)
while [[ $loop_b == "$loop_a" ]]; do loop_b=$(live_free_port); done
SERVE_AT=$loop_a serve loop-a --carrier session-track --target "mariadb://127.0.0.1:$loop_b" "${tls_serve[@]}"
SERVE_AT=$loop_b serve loop-b --carrier session-track --target "mariadb://127.0.0.1:$loop_a" "${tls_serve[@]}"
probe loop "127.0.0.1:$loop_a" --tls --tls-ca "$LIVE_CA" --follow 5
rc=$?
if (( rc == 1 )) && has loop '^redirect .* decision="refuse" reason="loop"' &&
        [[ $(grep -c '^follow ' "$LIVE_TMP/loop.out") == 1 ]]; then
    live_pass "a redirect loop is detected after one hop (loop)"
else
    live_fail "loop: probe exit $rc" "$LIVE_TMP/loop.out"
fi

# ------------------------------------------------------------------ 1. unverified
serve rogue --carrier session-track --target "mariadb://127.0.0.1:$P1" \
    --tls-cert "$LIVE_TMP/rogue/server-cert.pem" --tls-key "$LIVE_TMP/rogue/server-key.pem"
rogue=$SERVE_PORT
probe unverified "127.0.0.1:$rogue" --tls --tls-ca "$LIVE_CA"
rc=$?
if (( rc == 1 )) && has unverified '^tls .* verified=false' &&
        has unverified '^redirect .* decision="refuse" reason="not-permitted-unverified"' &&
        ! has unverified '^follow ' && has unverified "^error .* message=\"[^\"]*127\.0\.0\.1:$P1\""; then
    live_pass "unverified certificate: redirect refused (not-permitted-unverified), stays and is told"
else
    live_fail "unverified certificate: probe exit $rc" "$LIVE_TMP/unverified.out"
fi
probe unverified-strict "127.0.0.1:$rogue" --tls --tls-ca "$LIVE_CA" --tls-verify
rc=$?
if (( rc == 1 )) && has unverified-strict 'certificate not accepted' && ! has unverified-strict '^redirect '; then
    live_pass "unverified certificate with --tls-verify: the handshake fails"
else
    live_fail "unverified certificate with --tls-verify: probe exit $rc" "$LIVE_TMP/unverified-strict.out"
fi
serve rogue-err --carrier err --target "mariadb://127.0.0.1:$P1" \
    --tls-cert "$LIVE_TMP/rogue/server-cert.pem" --tls-key "$LIVE_TMP/rogue/server-key.pem"
probe unverified-err "127.0.0.1:$SERVE_PORT" --tls --tls-ca "$LIVE_CA"
rc=$?
if (( rc == 1 )) && has unverified-err '^redirect .* decision="refuse" reason="not-permitted-unverified"' &&
        ! has unverified-err '^follow '; then
    live_pass "unverified certificate, err carrier: refused"
else
    live_fail "unverified certificate, err carrier: probe exit $rc" "$LIVE_TMP/unverified-err.out"
fi

# ------------------------------------------------------------------ 3. mariadb CLI
# cli NAME PORT: Debian's mariadb client, TLS required and verified against
# the test CA, runs one query; its output in $LIVE_TMP/NAME.out.
cli() {
    live_timeout 30 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$2" \
        -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" --ssl --ssl-ca="$LIVE_CA" \
        --ssl-verify-server-cert --connect-timeout=5 -e 'SELECT @@port' >"$LIVE_TMP/$1.out" 2>&1
}
serve cli-err --carrier err --target "mariadb://127.0.0.1:$P1" "${tls_serve[@]}"
cli cli-err "$SERVE_PORT"
rc=$?
if (( rc != 0 )) && grep -q "|This server has moved|127.0.0.1:$P1" "$LIVE_TMP/cli-err.out"; then
    live_pass "mariadb CLI shows the ERR carrier's message: $(head -n 1 "$LIVE_TMP/cli-err.out")"
else
    live_fail "mariadb CLI and the err carrier: exit $rc" "$LIVE_TMP/cli-err.out"
fi

# ------------------------------------------------------------------ 4. man in the middle
# The injected ERR names a `redir serve` whose log shows whether anyone came.
serve evil --carrier session-track --target "mariadb://127.0.0.1:$P1"
evil=$SERVE_PORT
err_after_ssl=$("$redir" build err --host 127.0.0.1 --port "$evil" --seq 2 --text "moved") ||
    live_die "redir build err failed"
err_greeting=$("$redir" build err --host 127.0.0.1 --port "$evil" --seq 0 --text "moved") ||
    live_die "redir build err failed"
mitm() {
    local name=$1 mode=$2 hex=$3
    MITM_PORT=$(live_free_port)
    live_bg "$name" python3 "$here/mitm_inject.py" "$MITM_PORT" "$P1" "$mode" "$hex"
    live_wait_port "$MITM_PORT" 10 || live_die "mitm $name did not start: $(cat "$LIVE_TMP/$name.log")"
}
# mitm_case NAME MODE HEX WHERE: probe (TLS required, redirects allowed on any
# transport, so only the TLS rules can refuse) and the Debian client through
# a man in the middle that injects HEX in place of WHERE.
mitm_case() {
    local name=$1 mode=$2 hex=$3 where=$4 rc
    mitm "$name" "$mode" "$hex"
    probe "$name" "127.0.0.1:$MITM_PORT" --tls --tls-ca "$LIVE_CA" --permit always
    rc=$?
    if (( rc == 1 )) && has "$name" 'E_BEFORE_TLS' &&
            has "$name" '^redirect .* decision="refuse" reason="before-tls"' &&
            ! has "$name" '^follow ' && ! has "$name" 'decision="follow"' &&
            { [[ $mode == first ]] || has "$name" 'plaintext instead of TLS'; }; then
        live_pass "probe --tls refuses a plaintext ERR redirect in place of $where"
    else
        live_fail "probe, plaintext ERR in place of $where: exit $rc" "$LIVE_TMP/$name.out"
    fi
    cli "$name-cli" "$MITM_PORT"
    rc=$?
    if (( rc != 0 )) && grep -q '^ERROR' "$LIVE_TMP/$name-cli.out"; then
        live_pass "mariadb CLI reports an error: $(head -n 1 "$LIVE_TMP/$name-cli.out")"
    else
        live_fail "mariadb CLI, plaintext ERR in place of $where: exit $rc" "$LIVE_TMP/$name-cli.out"
    fi
}
mitm_case mitm-tls after-client "$err_after_ssl" "the TLS handshake"
mitm_case mitm-greeting first "$err_greeting" "the greeting"
# (live_wait_port's own connection logs user=-; a client that followed logs its user.)
if grep -q 'user=[^-]' "$LIVE_TMP/evil.serve.log"; then
    live_fail "a client connected to the injected target" "$LIVE_TMP/evil.serve.log"
else
    live_pass "nobody connected to the injected target"
fi

# ------------------------------------------------------------------ keylog
if command -v tcpdump >/dev/null && command -v tshark >/dev/null; then
    pcap=$LIVE_TMP/keylog.pcap
    keys=$LIVE_TMP/keylog.txt
    serve keylog --carrier session-track --target "mariadb://127.0.0.1:$P1" "${tls_serve[@]}"
    live_bg tcpdump tcpdump -i lo -U -n -s 0 -Z root -w "$pcap" \
        "tcp port $SERVE_PORT or tcp port $P1"
    dump_pid=$LIVE_BG_PID
    live_wait 10 grep -q 'listening on' "$LIVE_TMP/tcpdump.log" ||
        live_die "tcpdump did not start: $(cat "$LIVE_TMP/tcpdump.log")"
    probe keylog "127.0.0.1:$SERVE_PORT" --tls --tls-ca "$LIVE_CA" --keylog "$keys" \
        --query "SELECT 'keylog-marker', @@port"
    rc=$?
    sleep 1 # the last segments (COM_QUIT, FIN) reach the capture
    live_kill "$dump_pid"
    lines=$(grep -cE '^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]+$' "$keys")
    total=$(wc -l <"$keys")
    # Decrypted: the query text, the redirect in the login OK, and the row.
    tshark -r "$pcap" -o "tls.keylog_file:$keys" -d "tcp.port==$SERVE_PORT,mysql" \
        -d "tcp.port==$P1,mysql" -Y mysql -T fields -e tcp.dstport -e mysql.query \
        -e mysql.session_track.sysvar.value >"$LIVE_TMP/tshark.out" 2>&1
    without=$(tshark -r "$pcap" -d "tcp.port==$P1,mysql" -Y 'mysql.query' 2>/dev/null | wc -l)
    if (( rc == 0 )) && (( lines == total && lines >= 10 )) &&
            grep -q "SELECT 'keylog-marker', @@port" "$LIVE_TMP/tshark.out" &&
            grep -q "mariadb://127.0.0.1:$P1" "$LIVE_TMP/tshark.out" && (( without == 0 )); then
        live_pass "--keylog: $lines NSS key log lines; tshark decrypts both sessions (redirect and query)"
    else
        live_fail "--keylog: probe exit $rc, $lines/$total lines, $without queries visible without keys" \
            "$LIVE_TMP/tshark.out"
        sed 's/^/     /' "$LIVE_TMP/keylog.out"
    fi
else
    live_log "tcpdump or tshark missing: keylog check skipped"
fi

live_done
