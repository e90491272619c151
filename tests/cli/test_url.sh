#!/usr/bin/env bash
# End-to-end tests of `redir url`: each case runs the tool and compares the
# exact stdout (the heredoc after the call), the exact stderr and the exit
# status.
#
# usage: test_url.sh PATH/TO/redir
set -u

REDIR=${1:?usage: test_url.sh PATH/TO/redir}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

# run NAME STATUS STDERR ARGS... <<EXPECTED_STDOUT
# STDERR is the exact expected stderr ("" for none).
run() {
    local name=$1 want=$2 want_err=$3
    shift 3
    cat >"$TMP/want_out"
    printf '%s' "$want_err" >"$TMP/want_err"
    local got=0
    "$REDIR" url "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
    local ok=1
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit status $got, expected $want"
        ok=0
    fi
    if ! diff -u "$TMP/want_out" "$TMP/out" >"$TMP/diff"; then
        echo "FAIL $name: stdout differs (--- expected, +++ actual):"
        cat "$TMP/diff"
        ok=0
    fi
    if ! diff -u "$TMP/want_err" "$TMP/err" >"$TMP/diff"; then
        echo "FAIL $name: stderr differs (--- expected, +++ actual):"
        cat "$TMP/diff"
        ok=0
    fi
    if [ "$ok" -eq 1 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}

run connector_full 0 "" --grammar connector 'mysql://al%40ice:pw@db2.example.com:3307/shop?ttl=60&user=bob&a=1&a=2' <<'EOF'
{"url":"mysql://al%40ice:pw@db2.example.com:3307/shop?ttl=60&user=bob&a=1&a=2","grammar":"connector","valid":true,"scheme":"mysql","hosts":[{"host":"db2.example.com","port":3307,"type":null}],"user":"al%40ice","password":"pw","database":"shop","options":{"ttl":"60","user":"bob","a":"2"},"ttl":60}
EOF

# arguments keep their order; the empty argument is a URL; one invalid -> 1
run order_and_empty 1 "" --grammar connector 'mysql://[::1]:3306' '' 'mysql://h:65536' <<'EOF'
{"url":"mysql://[::1]:3306","grammar":"connector","valid":true,"scheme":"mysql","hosts":[{"host":"::1","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null}
{"url":"","grammar":"connector","valid":false,"error":"E_URL_SCHEME","message":"scheme is not mysql:// or mariadb://","offset":0}
{"url":"mysql://h:65536","grammar":"connector","valid":false,"error":"E_URL_PORT_RANGE","message":"port is greater than 65535","offset":14}
EOF

run server_grammar 1 "" --grammar=mariadb-server '' 'mysql://:3306' 'mysql://h:1:2' <<'EOF'
{"url":"","grammar":"mariadb-server","valid":true,"scheme":null,"hosts":[],"user":null,"password":null,"database":null,"options":{},"ttl":null}
{"url":"mysql://:3306","grammar":"mariadb-server","valid":true,"scheme":"mysql","hosts":[{"host":"","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null}
{"url":"mysql://h:1:2","grammar":"mariadb-server","valid":false,"error":"E_URL_TRAILING","message":"unexpected characters after the port","offset":11}
EOF

run server_all_valid 0 "" --grammar mariadb-server 'mysql://h/x' <<'EOF'
{"url":"mysql://h/x","grammar":"mariadb-server","valid":true,"scheme":"mysql","hosts":[{"host":"h/x","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null}
EOF

# Without --grammar the server's validator decides (its quirk: '/' is a host byte).
run default_grammar_is_server 0 "" 'mysql://h/x' <<'EOF'
{"url":"mysql://h/x","grammar":"mariadb-server","valid":true,"scheme":"mysql","hosts":[{"host":"h/x","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null}
EOF

# options apply to every URL wherever they stand
run option_after_url 0 "" 'mysql://h' --grammar mariadb-server <<'EOF'
{"url":"mysql://h","grammar":"mariadb-server","valid":true,"scheme":"mysql","hosts":[{"host":"h","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null}
EOF

run double_dash 1 "" --grammar connector -- --compat - <<'EOF'
{"url":"--compat","grammar":"connector","valid":false,"error":"E_URL_SCHEME","message":"scheme is not mysql:// or mariadb://","offset":0}
{"url":"-","grammar":"connector","valid":false,"error":"E_URL_SCHEME","message":"scheme is not mysql:// or mariadb://","offset":0}
EOF

run compat 0 "" --grammar connector --compat 'mysql://h%3A1:3306' <<'EOF'
{"url":"mysql://h%3A1:3306","grammar":"connector","valid":true,"scheme":"mysql","hosts":[{"host":"h%3A1","port":3306,"type":null}],"user":null,"password":null,"database":null,"options":{},"ttl":null,"compat":{"mariadb-server":{"accepts":true,"host":null,"port":null},"connector-nodejs":{"accepts":true,"host":"h:1","port":3306},"connector-j":{"accepts":true,"host":"h:1","port":3306},"r2dbc":{"accepts":true,"host":"h:1","port":3306},"mysqlconnector-net":{"accepts":false,"host":null,"port":null},"maxscale":{"accepts":true,"host":null,"port":null},"mysqlnd-azure":{"accepts":false,"host":null,"port":null}}}
EOF

run compat_invalid 1 "" --compat --grammar mariadb-server 'mysql://db2:65536' <<'EOF'
{"url":"mysql://db2:65536","grammar":"mariadb-server","valid":false,"error":"E_URL_PORT_RANGE","message":"port is greater than 65535","offset":16,"compat":{"mariadb-server":{"accepts":false,"host":null,"port":null},"connector-nodejs":{"accepts":false,"host":null,"port":null},"connector-j":{"accepts":false,"host":null,"port":null},"r2dbc":{"accepts":false,"host":null,"port":null},"mysqlconnector-net":{"accepts":false,"host":null,"port":null},"maxscale":{"accepts":true,"host":null,"port":null},"mysqlnd-azure":{"accepts":false,"host":null,"port":null}}}
EOF

run compat_location 0 "" --compat --grammar location $'Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n' <<'EOF'
{"url":"Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\u000a","grammar":"location","valid":true,"scheme":"mysql","form":"community","hosts":[{"host":"db2.example.com","port":3306,"type":null}],"user":"alice","password":null,"database":null,"options":{},"ttl":60,"compat":{"mariadb-server":{"accepts":false,"host":null,"port":null},"connector-nodejs":{"accepts":false,"host":null,"port":null},"connector-j":{"accepts":false,"host":null,"port":null},"r2dbc":{"accepts":false,"host":null,"port":null},"mysqlconnector-net":{"accepts":false,"host":null,"port":null},"maxscale":{"accepts":false,"host":null,"port":null},"mysqlnd-azure":{"accepts":true,"host":"db2.example.com","port":3306}}}
EOF

run location_azure 0 "" --grammar location $'Location: mysql://db2:3306/user=alice@srv&ttl=60\n' <<'EOF'
{"url":"Location: mysql://db2:3306/user=alice@srv&ttl=60\u000a","grammar":"location","valid":true,"scheme":"mysql","form":"azure","hosts":[{"host":"db2","port":3306,"type":null}],"user":"alice@srv","password":null,"database":null,"options":{},"ttl":60}
EOF

run multi 0 "" --grammar multi 'mysql:sequential://h1,address=(host=h2)(type=slave)/db' <<'EOF'
{"url":"mysql:sequential://h1,address=(host=h2)(type=slave)/db","grammar":"multi","valid":true,"scheme":"mysql","mode":"sequential","hosts":[{"host":"h1","port":3306,"type":null},{"host":"h2","port":3306,"type":"slave"}],"user":null,"password":null,"database":"db","options":{},"ttl":null}
EOF

# control characters and bytes that are not UTF-8 are escaped
run escapes 1 "" --grammar connector $'mysql://h\x01\xff"\\' <<'EOF'
{"url":"mysql://h\u0001\u00ff\"\\","grammar":"connector","valid":false,"error":"E_URL_CHAR","message":"character not allowed here","offset":9}
EOF

run no_url 2 $'redir url: no URL given\nTry \'redir help url\'.\n' </dev/null
run no_url_after_options 2 $'redir url: no URL given\nTry \'redir help url\'.\n' --compat -- </dev/null
run unknown_option 2 $'redir url: unknown option \'--bogus\'\nTry \'redir help url\'.\n' --bogus 'mysql://h' </dev/null
run unknown_grammar 2 $'redir url: unknown grammar \'foo\' (mariadb-server, connector, multi, location)\nTry \'redir help url\'.\n' --grammar foo 'mysql://h' </dev/null
run grammar_without_value 2 $'redir url: --grammar needs a value\nTry \'redir help url\'.\n' 'mysql://h' --grammar </dev/null

# --help anywhere before "--" prints the usage on stdout
for args in "--help" "mysql://h --help" "-h"; do
    got=0
    # shellcheck disable=SC2086
    "$REDIR" url $args >"$TMP/out" 2>"$TMP/err" || got=$?
    if [ "$got" -eq 0 ] && [ "$(head -n 1 "$TMP/out")" = "usage: redir url [--grammar NAME] [--compat] [--] URL..." ] && [ ! -s "$TMP/err" ]; then
        passed=$((passed + 1))
    else
        echo "FAIL help ($args): status $got"
        failed=$((failed + 1))
    fi
done
got=0
"$REDIR" help url >"$TMP/out" 2>&1 || got=$?
if [ "$got" -eq 0 ] && [ "$(head -n 1 "$TMP/out")" = "usage: redir url [--grammar NAME] [--compat] [--] URL..." ]; then
    passed=$((passed + 1))
else
    echo "FAIL help url: status $got"
    failed=$((failed + 1))
fi
# after "--", --help is a URL
run help_after_double_dash 1 "" --grammar connector -- --help <<'EOF'
{"url":"--help","grammar":"connector","valid":false,"error":"E_URL_SCHEME","message":"scheme is not mysql:// or mariadb://","offset":0}
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
