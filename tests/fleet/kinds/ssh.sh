# ssh ship: dockerd listens only on its unix socket and 127.0.0.1:2375
# inside the namespace; an sshd on IP:22 is the one way in (maestro's
# ssh_tunnel).  Keys (all ed25519, made per fleet): the host key, the
# client key in authorized_keys, and an unrelated "wrong" client key.
# known_hosts files: plain, hashed (ssh-keygen -H), and one holding another
# host key for the address ("changed").  The daemon trusts the fleet's
# registry (--insecure-registry BR_IP:5000).
ssh_kind_prepare() { # N IP DIR
  local s=$3/ssh
  mkdir -p "$s" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C "ship$1 host" -f "$s/host_key"
  ssh-keygen -q -t ed25519 -N '' -C "ship$1 other host" -f "$s/other_host_key"
  ssh-keygen -q -t ed25519 -N '' -C client -f "$s/client_key"
  ssh-keygen -q -t ed25519 -N '' -C wrong -f "$s/wrong_key"
  cp "$s/client_key.pub" "$s/authorized_keys"
  echo "$2 $(cut -d' ' -f1,2 "$s/host_key.pub")" >"$s/known_hosts"
  cp "$s/known_hosts" "$s/known_hosts_hashed"
  ssh-keygen -q -H -f "$s/known_hosts_hashed" >/dev/null 2>&1
  rm -f "$s/known_hosts_hashed.old"
  echo "$2 $(cut -d' ' -f1,2 "$s/other_host_key.pub")" >"$s/known_hosts_changed"
  : >"$s/known_hosts_empty"
  cat >"$s/sshd_config" <<CFG
Port 22
ListenAddress $2
HostKey $s/host_key
PidFile $s/sshd.pid
AuthorizedKeysFile $s/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxStartups 100
CFG
}
kind_ssh_prepare() { ssh_kind_prepare "$@"; }
kind_ssh_dockerd_args() { # N IP DIR
  echo "-H tcp://127.0.0.1:2375 --tls=false --insecure-registry $BR_IP:5000"
}
ssh_kind_start() { # N IP DIR
  local s=$3/ssh i
  nsenter --net="/run/netns/$(ship_ns "$1")" /usr/sbin/sshd -f "$s/sshd_config" -E "$s/sshd.log" ||
    die "ship$1: sshd did not start"
  for i in $(seq 50); do
    [ -s "$s/sshd.pid" ] && return 0
    sleep 0.1
  done
  die "ship$1: sshd wrote no pid file"
}
kind_ssh_start() { ssh_kind_start "$@"; }
ssh_kind_env() { # N IP DIR
  local s=$3/ssh
  echo "SHIP$1_SSH_USER=root"
  echo "SHIP$1_SSH_PORT=22"
  echo "SHIP$1_SSH_KEY=$s/client_key"
  echo "SHIP$1_SSH_WRONG_KEY=$s/wrong_key"
  echo "SHIP$1_SSH_KNOWN_HOSTS=$s/known_hosts"
  echo "SHIP$1_SSH_KNOWN_HOSTS_HASHED=$s/known_hosts_hashed"
  echo "SHIP$1_SSH_KNOWN_HOSTS_CHANGED=$s/known_hosts_changed"
  echo "SHIP$1_SSH_KNOWN_HOSTS_EMPTY=$s/known_hosts_empty"
  echo "SHIP$1_SSHD_PIDFILE=$s/sshd.pid"
  echo "SHIP$1_SSHD_CONFIG=$s/sshd_config"
  echo "SHIP$1_REMOTE_SOCK=$3/docker.sock"
}
kind_ssh_env() { ssh_kind_env "$@"; echo "SHIP$1_PORT=2375"; }
ssh_kind_down() { # N
  local f
  f=$(ship_dir "$1")/ssh/sshd.pid
  if [ -s "$f" ]; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
}
kind_ssh_down() { ssh_kind_down "$@"; }
