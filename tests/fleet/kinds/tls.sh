# tls ship: the unix socket and TLS on IP:2376 with client certificates
# required (--tlsverify).  One EC P-256 CA per ship signs the server
# certificate (IP SANs: the ship's address and 127.0.0.1) and a client
# certificate.  A second, unrelated CA ("other") is made for wrong-CA tests.
tls_mkca() { # dir name
  openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2-key.pem" 2>/dev/null
  openssl req -x509 -new -key "$1/$2-key.pem" -days 2 -subj "/CN=maestro fleet $2" \
    -out "$1/$2.pem" 2>/dev/null
}
tls_mkcert() { # dir name ca ext-file cn
  openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2-key.pem" 2>/dev/null
  openssl req -new -key "$1/$2-key.pem" -subj "/CN=$5" -out "$1/$2.csr" 2>/dev/null
  openssl x509 -req -in "$1/$2.csr" -CA "$1/$3.pem" -CAkey "$1/$3-key.pem" \
    -CAcreateserial -days 2 -extfile "$4" -out "$1/$2.pem" 2>/dev/null
  rm -f "$1/$2.csr"
}
kind_tls_prepare() { # N IP DIR
  local t=$3/tls
  mkdir -p "$t"
  tls_mkca "$t" ca
  tls_mkca "$t" other-ca
  printf 'subjectAltName=IP:%s,IP:127.0.0.1,DNS:ship%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
    "$2" "$1" >"$t/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' >"$t/client.ext"
  tls_mkcert "$t" server ca "$t/server.ext" "ship$1"
  tls_mkcert "$t" client ca "$t/client.ext" client
  tls_mkcert "$t" other-client other-ca "$t/client.ext" client
  chmod 600 "$t"/*-key.pem
}
kind_tls_dockerd_args() { # N IP DIR
  local t=$3/tls
  echo "-H tcp://$2:2376 --tlsverify --tlscacert $t/ca.pem --tlscert $t/server.pem --tlskey $t/server-key.pem"
}
kind_tls_env() { # N IP DIR
  local t=$3/tls
  echo "SHIP$1_PORT=2376"
  echo "SHIP$1_TLS_CA=$t/ca.pem"
  echo "SHIP$1_TLS_CERT=$t/client.pem"
  echo "SHIP$1_TLS_KEY=$t/client-key.pem"
  echo "SHIP$1_TLS_OTHER_CA=$t/other-ca.pem"
  echo "SHIP$1_TLS_OTHER_CERT=$t/other-client.pem"
  echo "SHIP$1_TLS_OTHER_KEY=$t/other-client-key.pem"
}
