#!/usr/bin/env bash
# test_live_auth.sh LOGIN: logs in to a private mariadbd with libredir-auth's
# answers (LOGIN is tests/auth/login.c) for mysql_native_password and
# client_ed25519 accounts with assorted passwords; a wrong password must be
# refused; the ed25519 public key the server stored for each account must be
# the one libredir-auth computes. Exit 0 passed, 1 failed, 77 no mariadbd.
set -uo pipefail
login=${1:?usage: test_live_auth.sh LOGIN}
. "$(dirname "$0")/../live/lib.sh"
live_init live_auth 240
live_start_servers 1
port=${LIVE_PORT[1]}

passwords=("" "a" "redir-pass" "pässwörd" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
           "$(printf 'y%.0s' {1..100})" "spaces, quotes ' and \\ a backslash")
sql_quote() {
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\\\'}"
}

for i in "${!passwords[@]}"; do
    pw=${passwords[i]}
    q=$(sql_quote "$pw")
    live_admin 1 -e "CREATE OR REPLACE USER 'nat$i'@'%' IDENTIFIED WITH mysql_native_password USING PASSWORD($q);
                     CREATE OR REPLACE USER 'ed$i'@'%' IDENTIFIED VIA ed25519 USING PASSWORD($q);" \
        || live_die "cannot create the accounts for password #$i"
done

for i in "${!passwords[@]}"; do
    pw=${passwords[i]}
    live_check "native #$i logs in" live_timeout 20 "$login" 127.0.0.1 "$port" "nat$i" "$pw"
    wrong_native() { live_timeout 20 "$login" 127.0.0.1 "$port" "nat$i" "$pw!" 2>/dev/null; [[ $? == 1 ]]; }
    wrong_ed() { live_timeout 20 "$login" 127.0.0.1 "$port" "ed$i" "$pw!" 2>/dev/null; [[ $? == 1 ]]; }
    live_check "native #$i refuses a wrong password" wrong_native
    live_check "ed25519 #$i refuses a wrong password" wrong_ed
    # mariadbd stores no key for an empty ed25519 password and then refuses
    # every signature, the mariadb client's as well.
    if [[ -n $pw ]]; then
        live_check "ed25519 #$i logs in" live_timeout 20 "$login" 127.0.0.1 "$port" "ed$i" "$pw"
        stored=$(live_admin 1 -e "SELECT JSON_VALUE(Priv, '\$.authentication_string')
                                  FROM mysql.global_priv WHERE User = 'ed$i'")
        stored_hex=$(printf '%s=' "$stored" | base64 -d | od -An -tx1 | tr -d ' \n')
        ours=$("$login" --ed25519-public "$pw")
        same_key() { [[ -n $stored_hex && $stored_hex == "$ours" ]]; }
        live_check "ed25519 #$i public key is the server's" same_key
    fi
done
live_check "the test accounts log in" live_timeout 20 "$login" 127.0.0.1 "$port" \
    "$MARIADB_USER" "$MARIADB_PASSWORD"
live_check "the ed25519 test account logs in" live_timeout 20 "$login" 127.0.0.1 "$port" \
    "$MARIADB_ED_USER" "$MARIADB_ED_PASSWORD"
live_done
