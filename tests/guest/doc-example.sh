#!/bin/sh
# The ZooKeeper entrypoint of docs/guest.md, taken from the document and
# run with maestro-guest in the environment of zk-2 of a three-node
# ensemble (hand-written, external ports differing from exposed ones):
# the zoo.cfg and myid it writes are compared with the ones worked out by
# hand, and with a peer port missing it must stop before the server.
#
#   doc-example.sh PATH-TO-MAESTRO-GUEST PATH-TO-docs/guest.md [SHELL COMMAND]
set -u
bin=$1 doc=$2 shell=${3:-/bin/sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# The block that starts with the entrypoint's comment line.
awk '/^```sh$/ { getline l; if (l == "#!/bin/sh") { getline m;
       if (m ~ /^# zookeeper entrypoint/) { on = 1; print l; print m; next } } }
     on && /^```$/ { exit }
     on { print }' "$doc" >"$tmp/entrypoint.sh"
if ! grep -q zkServer "$tmp/entrypoint.sh"; then
	echo "FAIL: no zookeeper entrypoint found in $doc"
	exit 1
fi

cat >"$tmp/server" <<'EOF'
#!/bin/sh
echo "server started: $*"
EOF
chmod +x "$tmp/server"

ZK2="SERVICE_NAME=zookeeper CONTAINER_NAME=zk-2 CONTAINER_HOST_ADDRESS=10.231.0.12
ZOOKEEPER_INSTANCES=zk-1,zk-2,zk-3
ZOOKEEPER_ZK_1_HOST=10.231.0.11 ZOOKEEPER_ZK_2_HOST=10.231.0.12 ZOOKEEPER_ZK_3_HOST=10.231.0.13
ZOOKEEPER_ZK_1_CLIENT_PORT=2181 ZOOKEEPER_ZK_2_CLIENT_PORT=12181 ZOOKEEPER_ZK_3_CLIENT_PORT=22181
ZOOKEEPER_ZK_1_PEER_PORT=2888 ZOOKEEPER_ZK_2_PEER_PORT=12888 ZOOKEEPER_ZK_3_PEER_PORT=22888
ZOOKEEPER_ZK_1_LEADER_ELECTION_PORT=3888 ZOOKEEPER_ZK_2_LEADER_ELECTION_PORT=13888
ZOOKEEPER_ZK_1_CLIENT_INTERNAL_PORT=2181 ZOOKEEPER_ZK_2_CLIENT_INTERNAL_PORT=2181
ZOOKEEPER_ZK_3_CLIENT_INTERNAL_PORT=2181
ZOOKEEPER_ZK_1_PEER_INTERNAL_PORT=2888 ZOOKEEPER_ZK_2_PEER_INTERNAL_PORT=2888
ZOOKEEPER_ZK_3_PEER_INTERNAL_PORT=2888
ZOOKEEPER_ZK_1_LEADER_ELECTION_INTERNAL_PORT=3888 ZOOKEEPER_ZK_2_LEADER_ELECTION_INTERNAL_PORT=3888
ZOOKEEPER_ZK_3_LEADER_ELECTION_INTERNAL_PORT=3888
MAESTRO_GUEST=$bin ZK_DATA=$tmp/data ZK_CONF=$tmp/zoo.cfg ZK_SERVER=$tmp/server"

run() { # ENV
	rm -rf "$tmp/data" "$tmp/zoo.cfg"
	mkdir "$tmp/data"
	# shellcheck disable=SC2086 # word splitting of the variables is wanted
	env -i PATH=/usr/bin:/bin $1 $shell "$tmp/entrypoint.sh" \
		>"$tmp/out" 2>"$tmp/err"
}

# zk-3's election port is missing: the entrypoint must stop there.
run "$ZK2"
if [ $? -eq 0 ] || [ -s "$tmp/out" ] ||
   [ "$(cat "$tmp/err")" != "maestro-guest: error: no port 'leader_election' defined for container 'zk-3' of service 'zookeeper' (ZOOKEEPER_ZK_3_LEADER_ELECTION_PORT is not set)" ]; then
	fails=$((fails + 1))
	echo "FAIL: a missing port does not stop the entrypoint"
	cat "$tmp/out" "$tmp/err"
fi

run "$ZK2 ZOOKEEPER_ZK_3_LEADER_ELECTION_PORT=23888"
rc=$?
cat >"$tmp/want" <<EOF
dataDir=$tmp/data
clientPort=2181
tickTime=2000
initLimit=10
syncLimit=5
server.1=10.231.0.11:2888:3888
server.2=0.0.0.0:2888:3888
server.3=10.231.0.13:22888:23888
EOF
if [ $rc -ne 0 ] || ! cmp -s "$tmp/zoo.cfg" "$tmp/want" ||
   [ "$(cat "$tmp/data/myid")" != 2 ] ||
   [ "$(cat "$tmp/out")" != "server started: start-foreground" ]; then
	fails=$((fails + 1))
	echo "FAIL: the entrypoint (status $rc) wrote:"
	cat "$tmp/zoo.cfg" "$tmp/data/myid" "$tmp/out" "$tmp/err"
	echo "want:"
	cat "$tmp/want"
fi
echo "2 runs of the documented entrypoint, $fails failed"
[ $fails -eq 0 ]
