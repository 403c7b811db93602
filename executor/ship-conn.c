/*
 * ship-conn.c - copying and releasing a ship's connection settings.
 */
#include "ship-conn.h"

#include <stdlib.h>
#include <string.h>

#include "base.h"

static char *dup_or_null(const char *s)
{
	return s ? mae_xstrdup(s) : NULL;
}

void ship_conn_release(struct ship_conn *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->endpoint);
	free(c->socket_path);
	free(c->tls.ca_cert);
	free(c->tls.cert);
	free(c->tls.key);
	free(c->ssh.user);
	free(c->ssh.key);
	free(c->ssh.known_hosts);
	free(c->api_version);
	memset(c, 0, sizeof(*c));
}

void ship_conn_copy(struct ship_conn *dst, const struct ship_conn *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->endpoint = dup_or_null(src->endpoint);
	dst->socket_path = dup_or_null(src->socket_path);
	dst->tls.ca_cert = dup_or_null(src->tls.ca_cert);
	dst->tls.cert = dup_or_null(src->tls.cert);
	dst->tls.key = dup_or_null(src->tls.key);
	dst->ssh.user = dup_or_null(src->ssh.user);
	dst->ssh.key = dup_or_null(src->ssh.key);
	dst->ssh.known_hosts = dup_or_null(src->ssh.known_hosts);
	dst->api_version = dup_or_null(src->api_version);
}
