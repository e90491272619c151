#!/usr/bin/env bash
# make-certs.sh DIR
#
# Creates a throw-away certificate authority and a server certificate for
# 127.0.0.1 / localhost (ECDSA P-256, SAN set) under DIR:
#   DIR/ca.pem DIR/ca-key.pem DIR/server-cert.pem DIR/server-key.pem
# Existing files are kept (idempotent); remove DIR to regenerate.
set -euo pipefail

dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

if [[ -s ca.pem && -s ca-key.pem && -s server-cert.pem && -s server-key.pem ]]; then
    exit 0
fi

umask 077
days=3650

openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$days" \
    -subj "/CN=libredir test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
openssl req -new -key server-key.pem -sha256 -subj "/CN=localhost" -out server.csr 2>/dev/null
cat > server.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -sha256 -days "$days" -extfile server.ext -out server-cert.pem 2>/dev/null
rm -f server.csr server.ext ca.srl

# mariadbd may run as another user than the one creating the files.
chmod 644 ca.pem server-cert.pem
chmod 600 ca-key.pem server-key.pem

openssl verify -CAfile ca.pem server-cert.pem >/dev/null
