#!/usr/bin/env bash
# make-certs.sh DIR [CA_DIR]
#
# Creates a throw-away certificate authority and a server certificate for
# 127.0.0.1 / localhost (ECDSA P-256, SAN set) under DIR:
#   DIR/ca.pem DIR/ca-key.pem DIR/server-cert.pem DIR/server-key.pem
# With CA_DIR, the authority lives in CA_DIR (CA_DIR/ca.pem, CA_DIR/ca-key.pem,
# created there when missing) so that several servers share one CA; DIR then
# gets a copy of ca.pem and its own server certificate, but not the CA key.
# Existing files are kept (idempotent); remove DIR to regenerate.
set -euo pipefail

dir=${1:?usage: make-certs.sh DIR [CA_DIR]}
ca_dir=${2:-$dir}
mkdir -p "$dir" "$ca_dir"
dir=$(cd "$dir" && pwd)
ca_dir=$(cd "$ca_dir" && pwd)

umask 077
days=3650

if [[ ! -s $ca_dir/ca.pem || ! -s $ca_dir/ca-key.pem ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$ca_dir/ca-key.pem"
    openssl req -x509 -new -key "$ca_dir/ca-key.pem" -sha256 -days "$days" \
        -subj "/CN=libredir test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$ca_dir/ca.pem" 2>/dev/null
    # mariadbd may run as another user than the one creating the files.
    chmod 644 "$ca_dir/ca.pem"
    chmod 600 "$ca_dir/ca-key.pem"
fi
if [[ $ca_dir != "$dir" ]]; then
    cp "$ca_dir/ca.pem" "$dir/ca.pem"
    chmod 644 "$dir/ca.pem"
fi

if [[ -s $dir/server-cert.pem && -s $dir/server-key.pem ]]; then
    exit 0
fi

cd "$dir"
openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
openssl req -new -key server-key.pem -sha256 -subj "/CN=localhost" -out server.csr 2>/dev/null
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
# A random serial: certificates issued by a shared CA must not repeat one.
openssl x509 -req -in server.csr -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca-key.pem" \
    -set_serial "0x$(openssl rand -hex 16)" \
    -sha256 -days "$days" -extfile server.ext -out server-cert.pem 2>/dev/null
rm -f server.csr server.ext

chmod 644 server-cert.pem
chmod 600 server-key.pem

openssl verify -CAfile ca.pem server-cert.pem >/dev/null
