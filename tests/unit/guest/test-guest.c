/*
 * Unit tests for guest/: MaestroNG's guest functions (spec §8) over
 * hand-written environments.  Every expected value is worked out by hand
 * from spec §3.2 (link variables) and §8 (the functions and their
 * defaults).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "maestro-guest.h"

/* A ZooKeeper instance of a 3-node ensemble, as maestro would give it
 * (own-service link variables with INTERNAL_PORT), plus a Kafka
 * dependency seen from outside (no INTERNAL_PORT). */
static char *zk_env[] = {
	"MAESTRO_ENVIRONMENT_NAME=prod",
	"SERVICE_NAME=zoo-keeper",
	"CONTAINER_NAME=zk.1",
	"CONTAINER_HOST_ADDRESS=127.0.0.1",
	"ZOO_KEEPER_INSTANCES=zk.1,zk.2,zk.3",
	"ZOO_KEEPER_ZK_1_HOST=10.231.0.11",
	"ZOO_KEEPER_ZK_2_HOST=10.231.0.12",
	"ZOO_KEEPER_ZK_3_HOST=10.231.0.13",
	"ZOO_KEEPER_ZK_1_CLIENT_PORT=2181",
	"ZOO_KEEPER_ZK_2_CLIENT_PORT=2182",
	"ZOO_KEEPER_ZK_3_CLIENT_PORT=2183",
	"ZOO_KEEPER_ZK_1_CLIENT_INTERNAL_PORT=12181",
	"ZOO_KEEPER_ZK_2_CLIENT_INTERNAL_PORT=12182",
	"ZOO_KEEPER_ZK_3_CLIENT_INTERNAL_PORT=12183",
	"ZOO_KEEPER_ZK_1_PEER_PORT=2888",
	"ZOO_KEEPER_ZK_2_PEER_PORT=2889",
	"ZOO_KEEPER_ZK_3_PEER_PORT=2890",
	"ZOO_KEEPER_ZK_1_RANGE_PORT=7000-7002",
	"ZOO_KEEPER_ZK_1_RANGE_INTERNAL_PORT=7000-7002",
	"KAFKA_INSTANCES=kafka1",
	"KAFKA_KAFKA1_HOST=broker.example",
	"KAFKA_KAFKA1_BROKER_PORT= +9_092\t",
	"EMPTY_INSTANCES=",
	"NOHOST_INSTANCES=a,b",
	"NOHOST_A_HOST=h-a",
	NULL,
};

static void test_var_name(void **state)
{
	(void)state;
	static const char *cases[][2] = {
		{ "zk-node-1", "ZK_NODE_1" },
		{ "my.svc", "MY_SVC" },
		{ "a_b", "A_B" },
		{ "Mixed Case/9", "MIXED_CASE_9" },
		{ "", "" },
		/* Latin-1 as Python: letters kept and upper-cased */
		{ "caf\xc3\xa9", "CAF\xc3\x89" },
		{ "stra\xc3\x9f" "e", "STRASSE" },
		{ "\xc2\xb5s", "\xce\x9cS" },       /* micro sign -> capital mu */
		{ "\xc3\xbf", "\xc5\xb8" },          /* y diaeresis */
		{ "a\xc3\x97" "b", "A_B" },           /* multiplication sign */
		{ "\xc2\xbd", "\xc2\xbd" },          /* one half is alnum */
		{ "\xc2\xa0", "_" },                 /* no-break space */
		/* beyond Latin-1: kept as is, as maestro's normalisation */
		{ "\xe2\x82\xac-x", "\xe2\x82\xac_X" },
		/* invalid UTF-8: one '_' per byte */
		{ "\xff\xfe", "__" },
		{ "\xc3(", "__" },
		{ "\xe0\x80\x80", "___" },           /* overlong */
		{ "\xed\xa0\x80", "___" },           /* surrogate */
		{ "\xf4\x90\x80\x80", "____" },      /* past U+10FFFF */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = guest_var_name(cases[i][0]);
		assert_non_null(s);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void test_parse_int(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ok;
		long v;
	} cases[] = {
		{ "2181", 1, 2181 },     { " 42\n", 1, 42 },
		{ "+4_2", 1, 42 },       { "-1", 1, -1 },
		{ "0080", 1, 80 },       { "-0", 1, 0 },
		{ "1234-1236", 0, 0 },   { "", 0, 0 },
		{ " ", 0, 0 },           { "4__2", 0, 0 },
		{ "_42", 0, 0 },         { "42_", 0, 0 },
		{ "1e3", 0, 0 },         { "0x10", 0, 0 },
		{ "+", 0, 0 },           { "12 3", 0, 0 },
		{ "\x1c" "1", 0, 0 },
		{ "9223372036854775807", 1, LONG_MAX },
		{ "-9223372036854775808", 1, LONG_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long v = 12345;
		int r = guest_parse_int(cases[i].s, &v);
		if (cases[i].ok) {
			assert_int_equal(r, 0);
			assert_int_equal(v, cases[i].v);
		} else {
			assert_int_equal(r, GUEST_ERR_NOT_INT);
			assert_int_equal(v, 12345);
		}
	}
}

static void test_env_get_first_wins(void **state)
{
	(void)state;
	char *env[] = { "A=1", "NOEQUALS", "AB=3", "A=2", "B=", NULL };
	assert_string_equal(guest_env_get(env, "A"), "1");
	assert_string_equal(guest_env_get(env, "AB"), "3");
	assert_string_equal(guest_env_get(env, "B"), "");
	assert_null(guest_env_get(env, "NOEQUALS"));
	assert_null(guest_env_get(env, "C"));
}

static void test_names(void **state)
{
	(void)state;
	struct guest_error err;
	char *s = NULL;
	assert_int_equal(guest_environment_name(zk_env, &s, &err), 0);
	assert_string_equal(s, "prod");
	free(s);
	assert_int_equal(guest_service_name(zk_env, &s, &err), 0);
	assert_string_equal(s, "zoo-keeper");
	free(s);
	assert_int_equal(guest_container_name(zk_env, &s, &err), 0);
	assert_string_equal(s, "zk.1");
	free(s);
	assert_int_equal(guest_container_host_address(zk_env, false, &s, &err),
			 0);
	assert_string_equal(s, "127.0.0.1");
	free(s);
}

static void test_names_missing(void **state)
{
	(void)state;
	char *empty[] = { NULL };
	char *blank[] = { "SERVICE_NAME=", "CONTAINER_NAME=",
			  "CONTAINER_HOST_ADDRESS=", NULL };
	struct guest_error err;
	char *s = NULL;

	/* The one with a default. */
	assert_int_equal(guest_environment_name(empty, &s, &err), 0);
	assert_string_equal(s, "local");
	free(s);
	s = NULL;

	assert_int_equal(guest_service_name(empty, &s, &err), GUEST_ERR_UNSET);
	assert_int_equal(err.code, GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "service name was not defined "
				     "(SERVICE_NAME is not set)");
	assert_int_equal(guest_service_name(blank, &s, &err), GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "service name was not defined "
				     "(SERVICE_NAME is empty)");
	assert_int_equal(guest_container_name(blank, &s, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "container name was not defined "
				     "(CONTAINER_NAME is empty)");
	assert_int_equal(guest_container_host_address(empty, true, &s, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "container host address was not defined "
				     "(CONTAINER_HOST_ADDRESS is not set)");
	assert_null(s); /* never written on failure */
	/* err is optional */
	assert_int_equal(guest_container_name(empty, &s, NULL),
			 GUEST_ERR_UNSET);
}

static void test_host_address_as_ip(void **state)
{
	(void)state;
	struct guest_error err;
	char *s = NULL;
	/* An address stays as it is; "localhost" is in /etc/hosts. */
	char *ip[] = { "CONTAINER_HOST_ADDRESS=10.231.0.11", NULL };
	assert_int_equal(guest_container_host_address(ip, true, &s, &err), 0);
	assert_string_equal(s, "10.231.0.11");
	free(s);
	char *local[] = { "CONTAINER_HOST_ADDRESS=localhost", NULL };
	assert_int_equal(guest_container_host_address(local, true, &s, &err),
			 0);
	assert_string_equal(s, "127.0.0.1");
	free(s);
	assert_int_equal(guest_container_host_address(local, false, &s, &err),
			 0);
	assert_string_equal(s, "localhost");
	free(s);
	/* .invalid never resolves (RFC 6761). */
	char *bad[] = { "CONTAINER_HOST_ADDRESS=no-such-host.invalid", NULL };
	s = NULL;
	assert_int_equal(guest_container_host_address(bad, true, &s, &err),
			 GUEST_ERR_SYSTEM);
	assert_null(s);
	assert_non_null(strstr(err.msg, "cannot resolve container host "
					"address 'no-such-host.invalid': "));
}

static void test_internal_address(void **state)
{
	(void)state;
	struct guest_error err;
	char *s = NULL;
	assert_int_equal(guest_container_internal_address("lo", &s, &err), 0);
	assert_string_equal(s, "127.0.0.1");
	free(s);
	s = NULL;
	assert_int_equal(guest_container_internal_address("nosuchif0", &s,
							  &err),
			 GUEST_ERR_SYSTEM);
	assert_string_equal(err.msg, "no network interface 'nosuchif0'");
	assert_int_equal(guest_container_internal_address(
				 "a-name-longer-than-ifnamsiz", &s, &err),
			 GUEST_ERR_INVALID);
	assert_string_equal(err.msg, "invalid network interface name "
				     "'a-name-longer-than-ifnamsiz'");
	assert_null(s);
}

static void test_port(void **state)
{
	(void)state;
	struct guest_error err;
	long v = 0;
	/* own exposed port, by name as written in the description */
	assert_int_equal(guest_port(zk_env, "client", NULL, &v, &err), 0);
	assert_int_equal(v, 12181);
	assert_int_equal(guest_port(zk_env, "client", "1", &v, &err), 0);
	assert_int_equal(v, 12181);
	/* peer has no INTERNAL_PORT here: the default answers */
	assert_int_equal(guest_port(zk_env, "peer", "3888", &v, &err), 0);
	assert_int_equal(v, 3888);
	assert_int_equal(guest_port(zk_env, "peer", NULL, &v, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg,
			    "no internal port 'peer' defined for container "
			    "'zk.1' of service 'zoo-keeper' "
			    "(ZOO_KEEPER_ZK_1_PEER_INTERNAL_PORT is not set)");
	assert_int_equal(guest_port(zk_env, "peer", "abc", &v, &err),
			 GUEST_ERR_NOT_INT);
	assert_string_equal(err.msg,
			    "no internal port 'peer' defined for container "
			    "'zk.1' of service 'zoo-keeper' "
			    "(ZOO_KEEPER_ZK_1_PEER_INTERNAL_PORT is not set "
			    "and the default 'abc' is not an integer)");
	/* a range is not an integer, even with a default */
	assert_int_equal(guest_port(zk_env, "range", "1", &v, &err),
			 GUEST_ERR_NOT_INT);
	assert_string_equal(err.msg,
			    "no internal port 'range' defined for container "
			    "'zk.1' of service 'zoo-keeper' "
			    "(ZOO_KEEPER_ZK_1_RANGE_INTERNAL_PORT is "
			    "'7000-7002', not an integer)");
	/* without SERVICE_NAME there is no own port */
	char *noservice[] = { "CONTAINER_NAME=zk.1", NULL };
	assert_int_equal(guest_port(noservice, "client", "1", &v, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "service name was not defined "
				     "(SERVICE_NAME is not set)");
	char *nocontainer[] = { "SERVICE_NAME=zk", NULL };
	assert_int_equal(guest_port(nocontainer, "client", "1", &v, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "container name was not defined "
				     "(CONTAINER_NAME is not set)");
}

static void test_specific(void **state)
{
	(void)state;
	struct guest_error err;
	char *s = NULL;
	long v = 0;
	assert_int_equal(guest_specific_host(zk_env, "zoo-keeper", "zk.2", &s,
					     &err),
			 0);
	assert_string_equal(s, "10.231.0.12");
	free(s);
	/* names normalise the same way whatever their spelling */
	assert_int_equal(guest_specific_host(zk_env, "ZOO.KEEPER", "Zk-3", &s,
					     &err),
			 0);
	assert_string_equal(s, "10.231.0.13");
	free(s);
	s = NULL;
	assert_int_equal(guest_specific_host(zk_env, "zoo-keeper", "zk.9", &s,
					     &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "no host defined for container 'zk.9' of "
				     "service 'zoo-keeper' "
				     "(ZOO_KEEPER_ZK_9_HOST is not set)");
	assert_null(s);

	assert_int_equal(guest_specific_port(zk_env, "zoo-keeper", "zk.3",
					     "peer", NULL, &v, &err),
			 0);
	assert_int_equal(v, 2890);
	assert_int_equal(guest_specific_port(zk_env, "kafka", "kafka1",
					     "broker", NULL, &v, &err),
			 0);
	assert_int_equal(v, 9092);
	assert_int_equal(guest_specific_port(zk_env, "kafka", "kafka1",
					     "jmx", "-7", &v, &err),
			 0);
	assert_int_equal(v, -7);
	assert_int_equal(guest_specific_port(zk_env, "kafka", "kafka1", "jmx",
					     NULL, &v, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "no port 'jmx' defined for container "
				     "'kafka1' of service 'kafka' "
				     "(KAFKA_KAFKA1_JMX_PORT is not set)");
	assert_int_equal(guest_specific_port(zk_env, "zoo-keeper", "zk.1",
					     "range", NULL, &v, &err),
			 GUEST_ERR_NOT_INT);
	assert_string_equal(err.msg, "no port 'range' defined for container "
				     "'zk.1' of service 'zoo-keeper' "
				     "(ZOO_KEEPER_ZK_1_RANGE_PORT is "
				     "'7000-7002', not an integer)");

	assert_int_equal(guest_specific_exposed_port(zk_env, "zoo-keeper",
						     "zk.2", "client", NULL, &v,
						     &err),
			 0);
	assert_int_equal(v, 12182);
	/* a dependency's exposed port is not there: only the default */
	assert_int_equal(guest_specific_exposed_port(zk_env, "kafka", "kafka1",
						     "broker", "9092", &v,
						     &err),
			 0);
	assert_int_equal(v, 9092);
	assert_int_equal(guest_specific_exposed_port(zk_env, "kafka", "kafka1",
						     "broker", NULL, &v, &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg,
			    "no internal port 'broker' defined for container "
			    "'kafka1' of service 'kafka' "
			    "(KAFKA_KAFKA1_BROKER_INTERNAL_PORT is not set)");
}

static void assert_list(const struct guest_list *l, const char *const *want,
			size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

static void test_instances(void **state)
{
	(void)state;
	struct guest_error err;
	struct guest_list l;
	assert_int_equal(guest_instance_names(zk_env, "zoo_keeper", &l, &err),
			 0);
	const char *want[] = { "zk.1", "zk.2", "zk.3" };
	assert_list(&l, want, 3);
	guest_list_release(&l);
	assert_int_equal(guest_instance_names(zk_env, "absent", &l, &err), 0);
	assert_int_equal(l.n, 0);
	guest_list_release(&l);
	/* an empty value is one empty name, as Python's ''.split(',') */
	assert_int_equal(guest_instance_names(zk_env, "empty", &l, &err), 0);
	const char *one_empty[] = { "" };
	assert_list(&l, one_empty, 1);
	guest_list_release(&l);
	guest_list_release(NULL);
}

static void test_node_list(void **state)
{
	(void)state;
	struct guest_error err;
	struct guest_list l;
	assert_int_equal(guest_node_list(zk_env, "zoo-keeper", NULL, 0, 1, &l,
					 &err),
			 0);
	const char *hosts[] = { "10.231.0.11", "10.231.0.12", "10.231.0.13" };
	assert_list(&l, hosts, 3);
	guest_list_release(&l);

	const char *ports[] = { "client", "peer" };
	assert_int_equal(guest_node_list(zk_env, "zoo-keeper", ports, 2, 3, &l,
					 &err),
			 0);
	const char *nodes[] = { "10.231.0.11:2181:2888", "10.231.0.12:2182:2889",
				"10.231.0.13:2183:2890" };
	assert_list(&l, nodes, 3);
	guest_list_release(&l);

	assert_int_equal(guest_node_list(zk_env, "kafka", (const char *[]){ "broker" },
					 1, 1, &l, &err),
			 0);
	const char *brokers[] = { "broker.example:9092" };
	assert_list(&l, brokers, 1);
	guest_list_release(&l);

	/* too few */
	l.v = (char **)hosts; /* must stay untouched on failure */
	assert_int_equal(guest_node_list(zk_env, "zoo-keeper", NULL, 0, 4, &l,
					 &err),
			 GUEST_ERR_NODES);
	assert_ptr_equal(l.v, (char **)hosts);
	assert_string_equal(err.msg, "no or not enough 'zoo-keeper' nodes "
				     "configured (3 found, at least 4 needed)");
	assert_int_equal(guest_node_list(zk_env, "absent", NULL, 0, 1, &l,
					 &err),
			 GUEST_ERR_NODES);
	assert_string_equal(err.msg, "no or not enough 'absent' nodes "
				     "configured (0 found, at least 1 needed)");
	/* minimum 0 (and below) accepts none */
	assert_int_equal(guest_node_list(zk_env, "absent", NULL, 0, 0, &l,
					 &err),
			 0);
	assert_int_equal(l.n, 0);
	guest_list_release(&l);
	assert_int_equal(guest_node_list(zk_env, "absent", NULL, 0, LONG_MIN,
					 &l, &err),
			 0);
	guest_list_release(&l);

	/* a port of one node missing, a range, a host missing */
	assert_int_equal(guest_node_list(zk_env, "zoo-keeper",
					 (const char *[]){ "range" }, 1, 1, &l,
					 &err),
			 GUEST_ERR_NOT_INT);
	assert_string_equal(err.msg, "no port 'range' defined for container "
				     "'zk.1' of service 'zoo-keeper' "
				     "(ZOO_KEEPER_ZK_1_RANGE_PORT is "
				     "'7000-7002', not an integer)");
	assert_int_equal(guest_node_list(zk_env, "nohost", NULL, 0, 0, &l,
					 &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "no host defined for container 'b' of "
				     "service 'nohost' (NOHOST_B_HOST is not "
				     "set)");
	assert_int_equal(guest_node_list(zk_env, "empty", NULL, 0, 0, &l,
					 &err),
			 GUEST_ERR_UNSET);
	assert_string_equal(err.msg, "no host defined for container '' of "
				     "service 'empty' (EMPTY__HOST is not "
				     "set)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_var_name),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_env_get_first_wins),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_missing),
		cmocka_unit_test(test_host_address_as_ip),
		cmocka_unit_test(test_internal_address),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_specific),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_node_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
