#!/bin/sh
# cli tests of maestro-guest: every subcommand run as an entrypoint runs
# it, in an environment written by hand (env -i, nothing inherited), with
# the exact stdout, stderr and exit status expected (worked out from spec
# §3.2 and §8).
#
#   tests/guest/cli.sh PATH-TO-MAESTRO-GUEST
set -u
bin=$1
fails=0
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The environment of zk-1, first of three ZooKeeper instances, with a
# dependency on kafka (no INTERNAL_PORT for another service).
ZK_ENV="MAESTRO_ENVIRONMENT_NAME=prod SERVICE_NAME=zookeeper CONTAINER_NAME=zk-1
CONTAINER_HOST_ADDRESS=localhost DOCKER_IMAGE=tiny:1 DOCKER_TAG=1
ZOOKEEPER_INSTANCES=zk-1,zk-2,zk-3
ZOOKEEPER_ZK_1_HOST=10.231.0.11 ZOOKEEPER_ZK_2_HOST=10.231.0.12 ZOOKEEPER_ZK_3_HOST=10.231.0.13
ZOOKEEPER_ZK_1_CLIENT_PORT=2181 ZOOKEEPER_ZK_2_CLIENT_PORT=2182 ZOOKEEPER_ZK_3_CLIENT_PORT=2183
ZOOKEEPER_ZK_1_PEER_PORT=2888 ZOOKEEPER_ZK_2_PEER_PORT=2889 ZOOKEEPER_ZK_3_PEER_PORT=2890
ZOOKEEPER_ZK_1_CLIENT_INTERNAL_PORT=2181 ZOOKEEPER_ZK_2_CLIENT_INTERNAL_PORT=2181
ZOOKEEPER_ZK_3_CLIENT_INTERNAL_PORT=2181 ZOOKEEPER_ZK_1_PEER_INTERNAL_PORT=2888
ZOOKEEPER_ZK_1_JMX_PORT=7000-7002 ZOOKEEPER_ZK_1_JMX_INTERNAL_PORT=7000-7002
KAFKA_INSTANCES=kafka-a,kafka.b KAFKA_KAFKA_A_HOST=10.231.0.12 KAFKA_KAFKA_B_HOST=10.231.0.13
KAFKA_KAFKA_A_BROKER_PORT=9092 KAFKA_KAFKA_B_BROKER_PORT=9093"

# check DESCRIPTION WANT-STATUS WANT-STDOUT WANT-STDERR ENV -- ARGS...
# ENV is a whitespace-separated list of NAME=VALUE (no spaces in values).
check() {
	desc=$1 want_rc=$2 want_out=$3 want_err=$4 envs=$5
	shift 6
	n=$((n + 1))
	# shellcheck disable=SC2086 # word splitting of $envs is wanted
	env -i $envs "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	printf '%s' "$want_out" >"$tmp/want_out"
	printf '%s' "$want_err" >"$tmp/want_err"
	# $(...) drops trailing newlines on both sides: compare files with
	# the final newline the program must print added to the wanted text.
	# "<empty line>" stands for an answer that is one empty line.
	if [ "$want_out" = "<empty line>" ]; then
		printf '\n' >"$tmp/want_out"
	elif [ -n "$want_out" ]; then
		printf '\n' >>"$tmp/want_out"
	fi
	[ -n "$want_err" ] && printf '\n' >>"$tmp/want_err"
	if [ "$rc" -ne "$want_rc" ] || ! cmp -s "$tmp/out" "$tmp/want_out" ||
	   ! cmp -s "$tmp/err" "$tmp/want_err"; then
		fails=$((fails + 1))
		echo "FAIL: $desc: maestro-guest $*"
		echo "  status $rc (want $want_rc)"
		echo "  stdout: $(cat "$tmp/out")"
		echo "  want:   $want_out"
		echo "  stderr: $(cat "$tmp/err")"
		echo "  want:   $want_err"
	fi
}

E="maestro-guest: error:"

# --- the names
check "environment name" 0 prod "" "$ZK_ENV" -- environment-name
check "environment name default" 0 local "" "" -- environment-name
check "service name" 0 zookeeper "" "$ZK_ENV" -- service-name
check "service name missing" 1 "" \
	"$E service name was not defined (SERVICE_NAME is not set)" "" -- service-name
check "service name empty" 1 "" \
	"$E service name was not defined (SERVICE_NAME is empty)" "SERVICE_NAME=" -- service-name
check "container name" 0 zk-1 "" "$ZK_ENV" -- container-name
check "container name missing" 1 "" \
	"$E container name was not defined (CONTAINER_NAME is not set)" "" -- container-name

# --- addresses
check "host address" 0 localhost "" "$ZK_ENV" -- container-host-address
check "host address as ip" 0 127.0.0.1 "" "$ZK_ENV" -- container-host-address --ip
check "host address ip stays" 0 10.231.0.11 "" \
	"CONTAINER_HOST_ADDRESS=10.231.0.11" -- container-host-address --ip
check "host address missing" 1 "" \
	"$E container host address was not defined (CONTAINER_HOST_ADDRESS is not set)" \
	"" -- container-host-address --ip
check "internal address of lo" 0 127.0.0.1 "" "" -- container-internal-address --interface lo
check "internal address of lo (=)" 0 127.0.0.1 "" "" -- container-internal-address --interface=lo
check "internal address, no such interface" 1 "" \
	"$E no network interface 'nosuch0'" "" -- container-internal-address --interface nosuch0

# --- ports
check "own port" 0 2181 "" "$ZK_ENV" -- port client
check "own port, default unused" 0 2181 "" "$ZK_ENV" -- port client 1
check "own port, default" 0 3888 "" "$ZK_ENV" -- port election 3888
check "own port, negative default" 0 -1 "" "$ZK_ENV" -- port election -1
check "own port missing" 1 "" \
	"$E no internal port 'election' defined for container 'zk-1' of service 'zookeeper' (ZOOKEEPER_ZK_1_ELECTION_INTERNAL_PORT is not set)" \
	"$ZK_ENV" -- port election
check "own port is a range" 1 "" \
	"$E no internal port 'jmx' defined for container 'zk-1' of service 'zookeeper' (ZOOKEEPER_ZK_1_JMX_INTERNAL_PORT is '7000-7002', not an integer)" \
	"$ZK_ENV" -- port jmx 1
check "own port, no service" 1 "" \
	"$E service name was not defined (SERVICE_NAME is not set)" \
	"CONTAINER_NAME=zk-1" -- port client 1
check "specific host" 0 10.231.0.13 "" "$ZK_ENV" -- specific-host zookeeper zk-3
check "specific host, other spelling" 0 10.231.0.13 "" "$ZK_ENV" -- specific-host kafka kafka-b
check "specific host missing" 1 "" \
	"$E no host defined for container 'zk-4' of service 'zookeeper' (ZOOKEEPER_ZK_4_HOST is not set)" \
	"$ZK_ENV" -- specific-host zookeeper zk-4
check "specific port" 0 2889 "" "$ZK_ENV" -- specific-port zookeeper zk-2 peer
check "specific port, default" 0 9999 "" "$ZK_ENV" -- specific-port kafka kafka.b jmx 9999
check "specific port, bad default" 1 "" \
	"$E no port 'jmx' defined for container 'kafka.b' of service 'kafka' (KAFKA_KAFKA_B_JMX_PORT is not set and the default 'x' is not an integer)" \
	"$ZK_ENV" -- specific-port kafka kafka.b jmx x
check "specific port range" 1 "" \
	"$E no port 'jmx' defined for container 'zk-1' of service 'zookeeper' (ZOOKEEPER_ZK_1_JMX_PORT is '7000-7002', not an integer)" \
	"$ZK_ENV" -- specific-port zookeeper zk-1 jmx
check "specific exposed port" 0 2181 "" "$ZK_ENV" -- specific-exposed-port zookeeper zk-3 client
check "specific exposed port of a dependency" 1 "" \
	"$E no internal port 'broker' defined for container 'kafka-a' of service 'kafka' (KAFKA_KAFKA_A_BROKER_INTERNAL_PORT is not set)" \
	"$ZK_ENV" -- specific-exposed-port kafka kafka-a broker
check "specific exposed port, default" 0 9092 "" "$ZK_ENV" -- specific-exposed-port kafka kafka-a broker 9092

# --- node lists
check "node list" 0 10.231.0.11,10.231.0.12,10.231.0.13 "" "$ZK_ENV" -- node-list zookeeper
check "node list with ports" 0 \
	10.231.0.11:2181:2888,10.231.0.12:2182:2889,10.231.0.13:2183:2890 "" \
	"$ZK_ENV" -- node-list zookeeper client peer
check "node list, options anywhere" 0 "10.231.0.12:9092;10.231.0.13:9093" "" \
	"$ZK_ENV" -- node-list -m 2 kafka --separator ';' broker
check "node list, lines" 0 "10.231.0.12:9092
10.231.0.13:9093" "" "$ZK_ENV" -- node-list kafka broker --lines
check "node list, minimum met" 0 10.231.0.11,10.231.0.12,10.231.0.13 "" \
	"$ZK_ENV" -- node-list zookeeper --minimum=3
check "node list, too few" 1 "" \
	"$E no or not enough 'zookeeper' nodes configured (3 found, at least 5 needed)" \
	"$ZK_ENV" -- node-list zookeeper -m 5
check "node list, none" 1 "" \
	"$E no or not enough 'redis' nodes configured (0 found, at least 1 needed)" \
	"$ZK_ENV" -- node-list redis
check "node list, none needed" 0 "<empty line>" "" "$ZK_ENV" -- node-list redis -m 0
check "node list, none needed, lines" 0 "" "" "$ZK_ENV" -- node-list redis -m 0 -l
check "node list, a port missing" 1 "" \
	"$E no port 'client' defined for container 'kafka-a' of service 'kafka' (KAFKA_KAFKA_A_CLIENT_PORT is not set)" \
	"$ZK_ENV" -- node-list kafka client
check "node list, a range" 1 "" \
	"$E no port 'jmx' defined for container 'zk-1' of service 'zookeeper' (ZOOKEEPER_ZK_1_JMX_PORT is '7000-7002', not an integer)" \
	"$ZK_ENV" -- node-list zookeeper jmx
check "instances" 0 kafka-a,kafka.b "" "$ZK_ENV" -- instances kafka
check "instances, lines" 0 "zk-1
zk-2
zk-3" "" "$ZK_ENV" -- instances zookeeper -l
check "instances, none" 0 "<empty line>" "" "$ZK_ENV" -- instances redis
check "var name" 0 ZK_NODE_1 "" "" -- var-name zk-node-1
check "var name, after --" 0 _X "" "" -- var-name -- -x

# --- usage
U="Try 'maestro-guest --help'."
check "no command" 2 "" "maestro-guest: missing command
$U" "" --
check "unknown command" 2 "" "maestro-guest: unknown command 'nodes'
$U" "" -- nodes
check "unknown option" 2 "" "maestro-guest: unknown option '--ip'
usage: maestro-guest port NAME [DEFAULT]
Try 'maestro-guest port --help'." "" -- port --ip client
check "missing argument" 2 "" "maestro-guest: missing argument
usage: maestro-guest specific-host SERVICE CONTAINER
Try 'maestro-guest specific-host --help'." "" -- specific-host zookeeper
check "extra argument" 2 "" "maestro-guest: unexpected argument 'x'
usage: maestro-guest service-name
Try 'maestro-guest service-name --help'." "" -- service-name x
check "bad minimum" 2 "" "maestro-guest: the minimum 'two' is not an integer
usage: maestro-guest node-list SERVICE [PORT...] [-m N] [-s SEP | -l]
Try 'maestro-guest node-list --help'." "" -- node-list zk -m two
check "option without value" 2 "" "maestro-guest: option '--interface' needs a value
usage: maestro-guest container-internal-address [--interface IF]
Try 'maestro-guest container-internal-address --help'." "" -- container-internal-address --interface

# --- help and version (content checked loosely: it is prose)
n=$((n + 1))
out=$("$bin" --help) || { fails=$((fails + 1)); echo "FAIL: --help status"; }
for c in environment-name service-name container-name container-host-address \
	container-internal-address port specific-host specific-port \
	specific-exposed-port node-list instances var-name; do
	printf '%s\n' "$out" | grep -q "^  $c " ||
		{ fails=$((fails + 1)); echo "FAIL: --help does not list $c"; }
	"$bin" "$c" --help | grep -q "^usage: maestro-guest $c" ||
		{ fails=$((fails + 1)); echo "FAIL: $c --help"; }
done
n=$((n + 1))
"$bin" --version | grep -Eq '^maestro-guest [0-9]+\.[0-9]+\.[0-9]+$' ||
	{ fails=$((fails + 1)); echo "FAIL: --version"; }

echo "$n checks, $fails failed"
[ "$fails" -eq 0 ]
