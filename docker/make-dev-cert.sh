#!/usr/bin/env bash
# Makes a self-signed certificate and key for trying TLS locally (not for production):
#
#   docker/make-dev-cert.sh DIR [HOST-OR-IP ...]
#
# writes DIR/cert.pem (subject CN=localhost; names localhost, 127.0.0.1, ::1 and any given) and
# DIR/key.pem (its unencrypted PKCS#8 private key, mode 600), the pair kv-frontend takes as
# --tls-cert/--tls-key (KV_TLS_CERT/KV_TLS_KEY). Clients trust cert.pem itself. Idempotent: a pair
# already in DIR is kept; delete both files to make a new one. KV_DEV_CERT_DAYS sets the validity
# (default 825 days). Needs openssl 1.1.1 or later.
set -euo pipefail
dir="${1:?usage: $0 DIR [HOST-OR-IP ...]}"
shift
cert="$dir/cert.pem"
key="$dir/key.pem"
if [ -s "$cert" ] && [ -s "$key" ]; then
  echo "keeping $cert and $key (delete them to make a new pair)"
  exit 0
fi
command -v openssl >/dev/null || { echo "openssl is needed (Debian: apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then
    san="$san,IP:$name"
  else
    san="$san,DNS:$name"
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A configuration of its own, so the system's openssl.cnf adds nothing (such as CA:TRUE).
cat > "$work/req.cnf" <<EOF
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = localhost
O = kv-frontend development
[ext]
subjectAltName = $san
basicConstraints = critical,CA:FALSE
# keyCertSign: the certificate signs itself, and OpenSSL/BoringSSL clients (the SDKs built on the
# Couchbase C++ core: Node.js, Python, C++, Ruby, PHP) only accept a self-signed certificate as its
# own issuer when its key usage allows certificate signing; without it they fail verification.
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
EOF
(
  umask 077
  openssl req -x509 -config "$work/req.cnf" -newkey rsa:2048 -nodes -sha256 \
    -days "${KV_DEV_CERT_DAYS:-825}" -keyout "$work/key.raw" -out "$work/cert.pem" 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  # PKCS#8 whatever this openssl's default key format is.
  openssl pkcs8 -topk8 -nocrypt -in "$work/key.raw" -out "$work/key.pem"
)
chmod 600 "$work/key.pem"
chmod 644 "$work/cert.pem"
mv -f "$work/key.pem" "$key"
mv -f "$work/cert.pem" "$cert"
echo "wrote $cert and $key for $san (valid ${KV_DEV_CERT_DAYS:-825} days)"
