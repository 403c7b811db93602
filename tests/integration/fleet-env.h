/*
 * fleet-env.h - what the integration tests share: the ships of the test
 * fleet (tests/fleet/fleet exports SHIPn_* variables) as connection
 * settings, and small helpers to run a container on a real ship.
 */
#ifndef MAESTRO_TESTS_FLEET_ENV_H
#define MAESTRO_TESTS_FLEET_ENV_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"

/* A variable of the fleet's environment; the test cannot run without it. */
static inline const char *fleet_var(const char *fmt, int n)
{
	char name[64];
	snprintf(name, sizeof(name), fmt, n);
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "fleet variable %s not set: run this under "
				"tests/fleet/fleet run\n", name);
		exit(1);
	}
	return v;
}

enum fleet_way { FLEET_UNIX, FLEET_TCP, FLEET_TLS };

/*
 * Settings for ship n reached the given way (names "shipN").  TLS uses
 * the ship's CA and client certificate, with verification.
 */
static inline void fleet_conn(struct ship_conn *c, int n, enum fleet_way way)
{
	char name[16];
	memset(c, 0, sizeof(*c));
	snprintf(name, sizeof(name), "ship%d", n);
	c->name = mae_xstrdup(name);
	c->timeout_s = 5;
	switch (way) {
	case FLEET_UNIX:
		c->transport = SHIP_UNIX;
		c->socket_path = mae_xstrdup(fleet_var("SHIP%d_SOCK", n));
		break;
	case FLEET_TCP:
		c->transport = SHIP_TCP;
		c->endpoint = mae_xstrdup(fleet_var("SHIP%d_IP", n));
		c->port = atoi(fleet_var("SHIP%d_PORT", n));
		break;
	case FLEET_TLS:
		c->transport = SHIP_TLS;
		c->endpoint = mae_xstrdup(fleet_var("SHIP%d_IP", n));
		c->port = atoi(fleet_var("SHIP%d_PORT", n));
		c->tls_on = true;
		c->tls.verify = true;
		c->tls.ca_cert = mae_xstrdup(fleet_var("SHIP%d_TLS_CA", n));
		c->tls.cert = mae_xstrdup(fleet_var("SHIP%d_TLS_CERT", n));
		c->tls.key = mae_xstrdup(fleet_var("SHIP%d_TLS_KEY", n));
		break;
	}
}

/* The first ship of the fleet of a kind ("tcp", "tls"), or 0. */
static inline int fleet_ship_of_kind(const char *kind)
{
	int n = atoi(fleet_var("FLEET_SHIPS%.0d", 0));
	for (int i = 1; i <= n; i++)
		if (strcmp(fleet_var("SHIP%d_KIND", i), kind) == 0)
			return i;
	return 0;
}

/* A create body for tiny:1 running sh -c script, stopping at once on TERM. */
static inline json_t *fleet_body(const char *script)
{
	char *s = mae_xasprintf("trap 'exit 0' TERM; %s", script);
	json_t *b = json_pack("{s:s, s:[s,s,s], s:{s:s}}", "Image", "tiny:1",
			      "Cmd", "sh", "-c", s, "Labels",
			      "maestro.test", "fleet");
	free(s);
	return b;
}

#endif
