#!/usr/bin/env bash
# test_build.sh REDIR: `redir build` writes each redirect carrier byte for byte
# as the published layouts give it (SPEC.md §2), and `redir decode --header`
# reads each back with the same redirect. Prints "build: N passed, M failed".
set -uo pipefail
redir=${1:?usage: test_build.sh REDIR}
passed=0
failed=0

expect() {  # name expected_exit expected_stdout -- args...
    local name=$1 want_rc=$2 want_out=$3
    shift 4
    local out rc
    out=$("$redir" "$@" 2>/dev/null)
    rc=$?
    if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ]; then
        echo "FAIL $name: exit $rc (want $want_rc)"
        diff <(echo "$want_out") <(echo "$out") | head -5
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}

roundtrip() {  # name hex expected_redirect_json
    local name=$1 hex=$2 want=$3
    local got
    got=$("$redir" decode --header "$hex" | sed -n 's/.*"redirect":\({[^}]*}\).*/\1/p')
    if [ "$got" != "$want" ]; then
        echo "FAIL $name: redirect $got, want $want"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}

# Login OK carrying redirect_url (redirect_spec example A: seq 2, status 0x4002).
st_a=3700000200000002400000002e002c0c72656469726563745f75726c1e6d6172696164623a2f2f6462322e6578616d706c652e636f6d3a33333036
expect session_track_login 0 "$st_a" -- build session-track --url mariadb://db2.example.com:3306
roundtrip session_track_login "$st_a" \
    '{"carrier":"session-track","host":"db2.example.com","port":3306,"user":null,"ttl":null,"url":"mariadb://db2.example.com:3306"}'
# OK to SET SESSION redirect_url inside a transaction (status 0x4003, seq 1).
expect session_track_in_trans 0 \
    2e00000100000003400000002500230c72656469726563745f75726c156d7973716c3a2f2f31302e302e302e373a33333037 \
    -- build session-track --url mysql://10.0.0.7:3307 --status 0x4003 --seq 1
# A MariaDB 11.5-style login OK: every tracked variable, redirect_url in its place.
expect session_track_list 0 \
    4b000002000000024000000042000e0a6175746f636f6d6d6974024f4e00200c72656469726563745f75726c126d6172696164623a2f2f6462323a33333036000e0974696d655f7a6f6e6503555443 \
    -- build session-track --url mariadb://db2:3306 --var autocommit=ON --var redirect_url= --var time_zone=UTC
# ERR redirect (code 4196, SQLSTATE HY000).
err=37000002ff64102348593030307c536572766572206973206265696e672075706772616465647c6462322e6578616d706c652e636f6d3a33333036
expect err 0 "$err" -- build err --text "Server is being upgraded" --host db2.example.com --port 3306
roundtrip err "$err" '{"carrier":"err","host":"db2.example.com","port":3306,"user":null,"ttl":null,"url":null}'
# Location, community form.
loc=44000002000000020000003c4c6f636174696f6e3a206d7973716c3a2f2f5b6462322e6578616d706c652e636f6d5d3a333330362f3f757365723d616c6963652674746c3d36300a
expect location_community 0 "$loc" -- build location --host db2.example.com --port 3306 --user alice --ttl 60
roundtrip location_community "$loc" \
    '{"carrier":"location","host":"db2.example.com","port":3306,"user":"alice","ttl":60,"url":"mysql://[db2.example.com]:3306/?user=alice&ttl=60"}'
# Location, Azure form.
expect location_azure 0 \
    4900000200000002000000414c6f636174696f6e3a206d7973716c3a2f2f6462322e6578616d706c652e636f6d3a333330362f757365723d616c696365406d797365727665722674746c3d3630 \
    -- build location --azure --host db2.example.com --port 3306 --user alice@myserver --ttl 60
# Refusals: a host the ERR carrier cannot carry, an unknown carrier, bad options.
expect err_host_with_colon 1 "" -- build err --host a:b
expect unknown_carrier 2 "" -- build bogus
expect missing_url 2 "" -- build session-track
expect bad_port 2 "" -- build err --host h --port 70000
expect location_needs_user 2 "" -- build location --host h --port 1

echo "build: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
