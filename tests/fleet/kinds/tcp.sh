# tcp ship: the unix socket and plain TCP on IP:2375 (no TLS).
kind_tcp_dockerd_args() { # N IP DIR
  echo "-H tcp://$2:2375 --tls=false"
}
kind_tcp_env() { # N IP DIR
  echo "SHIP$1_PORT=2375"
}
