# sshtls ship: like ssh, but its dockerd speaks TLS (client certificates
# required) on 127.0.0.1:2376 inside the namespace: TLS through the tunnel.
# The server certificate names the ship's bridge address, so a client that
# verifies against the ship's endpoint (not the tunnel's local end) passes.
# shellcheck source=/dev/null
. "$FLEET_HOME/kinds/ssh.sh"
# shellcheck source=/dev/null
. "$FLEET_HOME/kinds/tls.sh"
kind_sshtls_prepare() { ssh_kind_prepare "$@"; kind_tls_prepare "$@"; }
kind_sshtls_dockerd_args() { # N IP DIR
  local t=$3/tls
  echo "-H tcp://127.0.0.1:2376 --tlsverify --tlscacert $t/ca.pem --tlscert $t/server.pem --tlskey $t/server-key.pem --insecure-registry $BR_IP:5000"
}
kind_sshtls_start() { ssh_kind_start "$@"; }
kind_sshtls_env() { ssh_kind_env "$@"; kind_tls_env "$@"; }
kind_sshtls_down() { ssh_kind_down "$@"; }
