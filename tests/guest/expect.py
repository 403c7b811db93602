"""What maestro-guest must answer in the environments maestro computes
for fixtures/ensemble.yaml, worked out by hand from the fixture and spec
§3 (own service: INTERNAL_PORT too; `requires`: transitive, no
INTERNAL_PORT; `wants_info`: direct only; an instance's env may override
SERVICE_NAME) and §8.  Shared by config-json.py and integration.py.

EXPECT: container -> [(maestro-guest arguments, exit status, the answer on
stdout when 0, else the message on stderr)].
"""

E = 'maestro-guest: error: '

ZK_NODES = '10.231.3.11:2181:2888,10.231.3.12:12181:2888,localhost:2181:2888'
ZK_CLIENTS = '10.231.3.11:2181,10.231.3.12:12181,localhost:2181'
KAFKA_NODES = '10.231.3.11:19092,10.231.3.12:9092'

# container: [(args, status, stdout or stderr)]
EXPECT = {
    'zk-1': [
        (['environment-name'], 0, 'guest-test'),
        (['service-name'], 0, 'zoo.keeper'),
        (['container-name'], 0, 'zk-1'),
        (['container-host-address'], 0, '10.231.3.11'),
        (['port', 'client'], 0, '2181'),
        (['port', 'leader-election'], 0, '3888'),
        (['port', 'jmx', '7000'], 0, '7000'),
        (['instances', 'zoo.keeper'], 0, 'zk-1,zk-2,zk_3'),
        (['node-list', 'zoo.keeper', 'client', 'peer', '-m', '3'], 0,
         ZK_NODES),
        (['specific-port', 'zoo.keeper', 'zk-2', 'client'], 0, '12181'),
        (['specific-exposed-port', 'zoo.keeper', 'zk-2', 'client'], 0,
         '2181'),
        (['specific-port', 'zoo.keeper', 'zk_3', 'jmx'], 1,
         E + "no port 'jmx' defined for container 'zk_3' of service "
         "'zoo.keeper' (ZOO_KEEPER_ZK_3_JMX_PORT is '7000-7002', not an "
         "integer)"),
        (['node-list', 'kafka'], 1,
         E + "no or not enough 'kafka' nodes configured (0 found, at "
         "least 1 needed)"),
    ],
    'zk-2': [
        (['container-name'], 0, 'zk-2'),
        (['container-host-address'], 0, '10.231.3.12'),
        (['container-host-address', '--ip'], 0, '10.231.3.12'),
        (['port', 'client'], 0, '2181'),
        (['specific-port', 'zoo.keeper', 'zk-2', 'client'], 0, '12181'),
        (['node-list', 'zoo.keeper', 'client', '-l'], 0,
         ZK_CLIENTS.replace(',', '\n')),
    ],
    'zk_3': [
        (['container-host-address'], 0, 'localhost'),
        (['container-host-address', '--ip'], 0, '127.0.0.1'),
        (['port', 'jmx'], 1,
         E + "no internal port 'jmx' defined for container 'zk_3' of "
         "service 'zoo.keeper' (ZOO_KEEPER_ZK_3_JMX_INTERNAL_PORT is "
         "'7000-7002', not an integer)"),
        (['node-list', 'zoo.keeper', 'client', 'peer'], 0, ZK_NODES),
    ],
    'kafka-a': [
        (['service-name'], 0, 'kafka'),
        (['port', 'broker'], 0, '9092'),
        (['specific-port', 'kafka', 'kafka-a', 'broker'], 0, '19092'),
        (['node-list', 'kafka', 'broker'], 0, KAFKA_NODES),
        (['node-list', 'zoo.keeper', 'client'], 0, ZK_CLIENTS),
        (['specific-host', 'zoo.keeper', 'zk_3'], 0, 'localhost'),
        (['specific-exposed-port', 'zoo.keeper', 'zk-1', 'client'], 1,
         E + "no internal port 'client' defined for container 'zk-1' of "
         "service 'zoo.keeper' (ZOO_KEEPER_ZK_1_CLIENT_INTERNAL_PORT is "
         "not set)"),
    ],
    'web1': [
        (['service-name'], 0, 'frontend'),
        (['port', 'http'], 1,
         E + "no internal port 'http' defined for container 'web1' of "
         "service 'frontend' (FRONTEND_WEB1_HTTP_INTERNAL_PORT is not "
         "set)"),
        (['specific-exposed-port', 'web', 'web1', 'http'], 0, '80'),
        (['node-list', 'kafka', 'broker'], 0, KAFKA_NODES),
        (['node-list', 'zoo.keeper', '-m', '0'], 0, ''),
    ],
}
