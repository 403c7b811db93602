/*
 * ship-conn.c - copying and releasing a ship's connection settings.
 */
#include "executor.h"

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

const char *ship_transport_name(enum ship_transport t)
{
	switch (t) {
	case SHIP_UNIX: return "unix";
	case SHIP_TCP: return "tcp";
	case SHIP_TLS: return "tls";
	case SHIP_SSH: return "ssh";
	}
	return "?";
}

/* "host:port", with IPv6 literals in brackets */
static char *host_port(const char *host, int port)
{
	if (host && strchr(host, ':') && host[0] != '[')
		return mae_xasprintf("[%s]:%d", host, port);
	return mae_xasprintf("%s:%d", host ? host : "", port);
}

char *ship_conn_url(const struct ship_conn *c)
{
	char *hp = host_port(c->endpoint, c->port);
	char *url;
	switch (c->transport) {
	case SHIP_UNIX:
		url = mae_xasprintf("unix://%s", c->socket_path);
		break;
	case SHIP_SSH: {
		char *sh = host_port(c->endpoint, c->ssh.port ? c->ssh.port : 22);
		char *hop = c->socket_path
				    ? mae_xasprintf("unix://%s", c->socket_path)
				    : mae_xasprintf("%s://127.0.0.1:%d",
						    c->tls_on ? "https" : "http",
						    c->port);
		url = mae_xasprintf("ssh://%s@%s -> %s",
				    c->ssh.user ? c->ssh.user : "", sh, hop);
		free(sh);
		free(hop);
		break;
	}
	default:
		url = mae_xasprintf("%s://%s", c->tls_on ? "https" : "http", hp);
		break;
	}
	free(hp);
	return url;
}
