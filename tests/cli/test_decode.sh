#!/usr/bin/env bash
# End-to-end tests of `redir decode` (and of the dispatch in main.c): packets
# go in as hex, and the exact JSON line on stdout, the exact stderr and the
# exit status are compared with the files under decode/:
#   decode/NAME.json  expected stdout (absent: stdout must be empty)
#   decode/NAME.err   expected stderr (absent: stderr must be empty)
#
# Packets marked [capture] are copied from the captures under pcaps/ (file and
# frame named; pcaps/SOURCES.md tells where each file comes from). The
# mariadb-10.11-* files are recorded by scripts/make-captures.sh: if they are
# recorded again, scrambles and similar bytes change, and the copies here stay
# as they are. The remaining packets are built by hand and their layout is
# spelled out next to them.
#
# usage: test_decode.sh PATH/TO/redir
# With RECORD=1 in the environment the actual outputs are written as the
# expected files instead (check every changed line by hand before keeping it).
set -u

REDIR=${1:?usage: test_decode.sh PATH/TO/redir}
if [ ! -x "$REDIR" ]; then
    echo "test_decode.sh: $REDIR is not an executable" >&2
    echo "decode: 0 passed, 1 failed"
    exit 1
fi
DIR=$(cd "$(dirname "$0")" && pwd)/decode
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

fail() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}

# run NAME STATUS ARGS...: runs `redir ARGS...` and compares.
run() {
    local name=$1 want=$2
    shift 2
    local got=0
    "$REDIR" "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
    local ok=1
    if [ "$got" -ne "$want" ]; then
        fail "$name" "exit status $got, expected $want"
        ok=0
    fi
    local stream file
    if [ "${RECORD:-0}" = 1 ]; then
        rm -f "$DIR/$name.json" "$DIR/$name.err"
        [ -s "$TMP/out" ] && cp "$TMP/out" "$DIR/$name.json"
        [ -s "$TMP/err" ] && cp "$TMP/err" "$DIR/$name.err"
    fi
    for stream in out err; do
        if [ "$stream" = out ]; then file=$DIR/$name.json; else file=$DIR/$name.err; fi
        if [ -f "$file" ]; then
            if ! diff -u "$file" "$TMP/$stream" >"$TMP/diff"; then
                fail "$name" "std$stream differs (--- expected, +++ actual):"
                cat "$TMP/diff"
                ok=0
            fi
        elif [ -s "$TMP/$stream" ]; then
            fail "$name" "unexpected std$stream:"
            cat "$TMP/$stream"
            ok=0
        fi
    done
    if [ "$ok" -eq 1 ]; then
        passed=$((passed + 1))
    fi
}

# run_head NAME STATUS REGEX ARGS...: for usage texts, only the exit status
# and the first line of stdout are checked.
run_head() {
    local name=$1 want=$2 regex=$3
    shift 3
    local got=0
    "$REDIR" "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
    local first
    first=$(head -n 1 "$TMP/out")
    if [ "$got" -ne "$want" ]; then
        fail "$name" "exit status $got, expected $want"
    elif ! [[ $first =~ $regex ]]; then
        fail "$name" "first line '$first' does not match '$regex'"
    elif [ -s "$TMP/err" ]; then
        fail "$name" "unexpected stderr: $(cat "$TMP/err")"
    else
        passed=$((passed + 1))
    fi
}

# ------------------------------------------------------------ greeting
# [capture] zeek__encrypted.pcap frame 4: MariaDB 10.0.36 ("5.5.5-" prefix),
# whole packet with its header.
run greeting_mariadb 0 decode --as greeting --header \
    6a0000000a352e352e352d31302e302e33362d4d6172696144422d307562756e7475302e31362e30342e3100 \
    21000000746e4e762c74276000ffff2d02003fe0150000000000000000000031726b4144702b23696a5a6500 \
    6d7973716c5f6e61746976655f70617373776f726400
# [capture] mariadb-10.11-session-track.pcap frame 4: MariaDB 10.11, which clears
# CLIENT_MYSQL and sends extended capabilities (0x1d << 32) in the reserved bytes.
run greeting_mariadb11 0 decode --as greeting --header \
    640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000d0000007d \
    284c287d62504d00feff2d0200ff81150000000000001d0000006e642c4c783a5376766c3e30006d797371 \
    6c5f6e61746976655f70617373776f726400
# [capture] zeek__caching_sha2_password-after-auth-switch.pcapng frame 4: MySQL 8.0.32,
# payload only, split across arguments with whitespace inside.
run greeting_mysql8 0 decode --as greeting "0a382e302e33320014000000 567a08772b5e0470 00" \
    "ffffff0200ffdf1500000000000000000000 02547601227e1134145250360063616368696e675f" \
    "736861325f70617373776f726400"

# ------------------------------------------------------------ client packets
# [capture] zeek__caching_sha2_password-after-auth-switch.pcapng frame 6:
# HandshakeResponse41 with connection attributes, no database.
run response_attributes 0 decode --as response \
    85a6ff1900000001ff0000000000000000000000000000000000000000000000726f6f7400006d7973716c5f \
    6e61746976655f70617373776f72640079045f70696406313337333730095f706c6174666f726d067838365f \
    3634035f6f73054c696e75780c5f636c69656e745f6e616d65086c69626d7973716c076f735f757365720964 \
    76616e656564656e0f5f636c69656e745f76657273696f6e06382e302e33320c70726f6772616d5f6e616d65 \
    056d7973716c
# [capture] mariadb-10.11-session-track.pcap frame 6: MariaDB Connector/C with
# extended capabilities, a database and attributes.
run response_mariadb 0 decode --as response --header \
    dc0000018ca2bf000000100021000000000000000000000000000000000000001d00000072656469720014 \
    4006c10af9265cec66f7000c277623d93d918ca672656469725f74657374006d7973716c5f6e6174697665 \
    5f70617373776f7264007f035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d61726961 \
    6462045f7069640532383634360f5f636c69656e745f76657273696f6e06332e332e3230095f706c617466 \
    6f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f737409 \
    3132372e302e302e31
# [capture] arkime__mysql-allow.pcap frame 6: MySQL 5.5 client, 20-byte
# auth response, no attributes. One argument ends in the middle of a byte.
run response_native 0 decode --as response \
    05a60f000000000121000000000000000000000000000000000000000000000075736572313000145 \
    5ee72f0c6694cbb3a104eb97f8ee32a6a91f8b16d7973716c5f6e61746976655f70617373776f726400
# [capture] zeek__encrypted.pcap frame 6: SSLRequest with its header.
run ssl_request 0 decode --as ssl-request --header \
    2000000185ae3f20000000012d0000000000000000000000000000000000000000000000

# ------------------------------------------------------------ authentication
# [capture] zeek__caching_sha2_password-after-auth-switch.pcapng frame 8.
run auth_switch 0 decode --as auth-switch \
    fe63616368696e675f736861325f70617373776f726400567a08772b5e047002547601227e11341452503600
# The one-byte old form.
run auth_switch_old 0 decode --as auth-switch fe
# [capture] same file, frame 10: fast_auth_success.
run auth_more_data 0 decode --as auth-more-data 0103

# ------------------------------------------------------------ OK
# [capture] arkime__mysql-allow.pcap frame 8: login OK, no info, no state.
run ok_plain 0 decode 00000002000000
# [capture] mariadb-10.11-session-track.pcap frame 8: MariaDB login OK with a
# SCHEMA entry.
run ok_login_schema 0 decode --header 1600000200000002400000000d010b0a72656469725f74657374
# [capture] mariadb-10.11-plain.pcap frame 20: INSERT of 3 rows, with info text.
run ok_info 0 decode --header \
    2e00000100030102000000265265636f7264733a203320204475706c6963617465733a20302020576172 \
    6e696e67733a2030
# [capture] mariadb-10.11-session-track.pcap frame 20 (SET NAMES latin1): three
# SYSTEM_VARIABLES entries and a STATE_CHANGE entry.
run ok_track_sysvars 0 decode --header \
    6b000001000000024000000062001d156368617261637465725f7365745f726573756c7473066c6174696e \
    310020186368617261637465725f7365745f636f6e6e656374696f6e066c6174696e31001c146368617261 \
    637465725f7365745f636c69656e74066c6174696e31020131
# [capture] mariadb-10.11-session-track.pcap frame 36 (START TRANSACTION READ ONLY):
# TRANSACTION_STATE and TRANSACTION_CHARACTERISTICS, status 0x4003.
run ok_track_transaction 0 decode --header \
    61000001000000036000000058050908545f5f5f5f5f5f5f044b4a534554205452414e53414354494f4e \
    2049534f4c4154494f4e204c4556454c2053455249414c495a41424c453b205354415254205452414e53 \
    414354494f4e2052454144204f4e4c593b
# [capture] zeek__caching_sha2_password-after-auth-switch.pcapng frame 11,
# with its header: TRANSACTION_STATE and TRANSACTION_CHARACTERISTICS entries.
run ok_track_capture 0 decode --header 1700000500000002400000000e0509085f5f5f5f5f5f5f5f040100
# Built: header 00, affected_rows 1, last_insert_id 0, status 0x4002, warnings 0,
# info "", state block of 0x92 bytes holding
#   00 2b  system variables: autocommit=ON, character_set_client=utf8mb4 (two pairs)
#   01 05  schema "test"
#   02 01  state change '1'
#   03 2a  gtids: encoding 00, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"
#   04 1d  transaction characteristics "START TRANSACTION READ ONLY;"
#   05 09  transaction state "T_______"
#   2a 03  unknown type 42, body 01 02 03
run ok_track_all 0 decode \
    000100024000000092 \
    002b0a6175746f636f6d6d6974024f4e146368617261637465725f7365745f636c69656e7407757466386d6234 \
    010504746573 74 \
    020131 \
    032a002833653131666134372d373163612d313165312d396533332d6338306161393432393536323a312d35 \
    041d1c5354415254205452414e53414354494f4e2052454144204f4e4c593b \
    050908545f5f5f5f5f5f5f \
    2a03010203
# [capture] zeek__caching_sha2_password-after-auth-switch.pcapng frame 14, last
# packet: an OK-as-EOF ending a result set, carrying a GTIDS entry. Classified
# as ok-as-eof under the default capabilities (CLIENT_DEPRECATE_EOF).
run ok_as_eof 0 decode \
    fe000002400000002c032a002865323436323934322d636134322d313165642d393861342d35343035 \
    64623761616435363a312d34
# Built: OK whose state carries redirect_url (MariaDB 11.3 carrier).
run ok_redirect_url 0 decode \
    00000002400000003800360c72656469726563745f75726c286d7973716c3a2f2f617070406462322e \
    6578616d706c652e636f6d3a333330372f3f74746c3d3630
# Built: login OK whose info is a community-form "Location:" line.
run ok_location 0 decode \
    000000020000003a4c6f636174696f6e3a206d7973716c3a2f2f5b6462322e6578616d706c652e636f6d5d \
    3a333330372f3f757365723d6170702674746c3d33300a
# Built: redirect_url with port 99999: the packet decodes, the redirect does not.
run ok_redirect_bad_port 0 decode \
    00000002400000002d002b0c72656469726563745f75726c1d6d7973716c3a2f2f6462322e6578616d70 \
    6c652e636f6d3a3939393939

# ------------------------------------------------------------ EOF
# [capture] arkime__mysql-allow.pcap frame 10, last packet: legacy EOF.
run eof_as 0 decode --as eof fe00000200
# The same bytes are classified as a legacy EOF once CLIENT_DEPRECATE_EOF
# (0x01000000) is taken out of the default capabilities.
run eof_classified 0 decode --caps 1d20ffa68e --header 05000005fe00000200

# ------------------------------------------------------------ ERR
# [capture] arkime__mysql-deny.pcap frame 8: ERR 1045 with SQLSTATE 28000.
run err_sqlstate 0 decode \
    ff15042332383030304163636573732064656e69656420666f72207573657220277573657230274027686f7374 \
    3132332e6c6f63616c2720287573696e672070617373776f72643a204e4f29
# [capture] pcap2mysql-log__connect-fail.pcap frame 25: ERR 1130 sent instead
# of a greeting, without the SQLSTATE marker.
run err_no_sqlstate 0 decode --header \
    42000000ff6a04486f737420273132372e302e302e3127206973206e6f7420616c6c6f77656420746f2063 \
    6f6e6e65637420746f2074686973204d7953514c20736572766572
# [capture] mariadb-10.11-progress.pcap frames 20 and 22: MariaDB progress
# reports during ALTER TABLE (stage 1 of 2 at 0.999%, then stage 2 of 2).
run err_progress 0 decode --header 1b000001ffffff010102e7030011636f707920746f20746d70207461626c65
run err_progress_stage2 0 decode --header 17000002ffffff0102020000000d456e61626c696e67206b657973
# Without progress negotiated (--caps lacks both progress bits), code 0xFFFF is
# an ordinary error whose message starts at the byte after the code.
run err_progress_not_negotiated 0 decode --caps 1c01ffa68e \
    ffffff010102e7030011636f707920746f20746d70207461626c65
# Built: ERR redirect, code 4196, SQLSTATE HY000, "|server moved|db2.example.com:3307".
run err_redirect 0 decode --as err \
    ff64102348593030307c736572766572206d6f7665647c6462322e6578616d706c652e636f6d3a33333037
# Built: the same carrier without a host: the packet decodes, the redirect does not.
run err_redirect_no_host 0 decode ff64102348593030307c736572766572206d6f7665647c

# ------------------------------------------------------------ other kinds, frames
# A column count: described by length and data only; with --header the
# length member appears once.
run column_count 0 decode 01
run column_count_header 0 decode --header 0100000101
# [capture] arkime__mysql-allow.pcap frame 8 as a whole frame.
run frame 0 decode --as frame 0700000200000002000000
run frame_empty 0 decode --as=frame 00000007

# ------------------------------------------------------------ malformed input (exit 1)
# Header announces 8 payload bytes, 7 follow.
run header_short 1 decode --header 0800000200000002000000
# Header announces 6 payload bytes, 7 follow.
run header_long 1 decode --header 0600000200000002000000
# Fewer than 4 bytes cannot hold a header.
run header_cut 1 decode --as frame 070000
# ERR cut inside its code.
run truncated_err 1 decode --as err ff15
# OK cut before its status; the offset counts the header.
run truncated_ok_header 1 decode --header 03000001000100
# A greeting whose version string has no NUL.
run greeting_no_nul 1 decode --as greeting 0a352e352e
# SSLRequest one byte short.
run ssl_request_short 1 decode --as ssl-request \
    85ae3f20000000012d00000000000000000000000000000000000000000000

# ------------------------------------------------------------ usage errors (exit 2)
run bad_hex 2 decode 0g
run odd_hex 2 decode "ab c"
run unknown_kind 2 decode --as row 01
run missing_kind 2 decode 01 --as
run bad_caps 2 decode --caps 1x 01
run unknown_option 2 decode --verbose 01
run no_packet 2 decode --as ok

# No command at all: exit 2 with the usage on stderr.
got=0
"$REDIR" >"$TMP/out" 2>"$TMP/err" || got=$?
if [ "$got" -ne 2 ] || [ -s "$TMP/out" ] || ! grep -q '^usage: redir <command>' "$TMP/err"; then
    fail no_command "exit status $got, stderr: $(cat "$TMP/err")"
else
    passed=$((passed + 1))
fi

# An unknown command: exit 2, nothing on stdout, the complaint then the usage
# on stderr (only the first lines are checked: the command list grows).
got=0
"$REDIR" frobnicate >"$TMP/out" 2>"$TMP/err" || got=$?
if [ "$got" -ne 2 ] || [ -s "$TMP/out" ] ||
    [ "$(head -n 1 "$TMP/err")" != "redir: unknown command 'frobnicate'" ] ||
    ! grep -q '^usage: redir <command>' "$TMP/err"; then
    fail unknown_command "exit status $got, stderr: $(cat "$TMP/err")"
else
    passed=$((passed + 1))
fi

# ------------------------------------------------------------ help and version
run_head decode_help 0 '^usage: redir decode ' decode --help
run_head help_decode 0 '^usage: redir decode ' help decode
run_head main_help 0 '^usage: redir <command>' --help
run_head version 0 '^redir [0-9]+\.[0-9]+\.[0-9]+$' --version

# Every expected line must itself be valid JSON.
if command -v python3 >/dev/null 2>&1; then
    for f in "$DIR"/*.json; do
        if python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$f" \
            2>"$TMP/err"; then
            passed=$((passed + 1))
        else
            fail "$(basename "$f")" "not valid JSON: $(tail -n 1 "$TMP/err")"
        fi
    done
fi

echo "decode: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
