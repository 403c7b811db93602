/*
 * ship-conn.c - a ship's connection settings: copying, releasing, their
 * URL for messages, and their JSON in a stored plan.
 */
#include "plan.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan-int.h"

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
	dst->name = mae_xstrdup_or_null(src->name);
	dst->endpoint = mae_xstrdup_or_null(src->endpoint);
	dst->socket_path = mae_xstrdup_or_null(src->socket_path);
	dst->tls.ca_cert = mae_xstrdup_or_null(src->tls.ca_cert);
	dst->tls.cert = mae_xstrdup_or_null(src->tls.cert);
	dst->tls.key = mae_xstrdup_or_null(src->tls.key);
	dst->ssh.user = mae_xstrdup_or_null(src->ssh.user);
	dst->ssh.key = mae_xstrdup_or_null(src->ssh.key);
	dst->ssh.known_hosts = mae_xstrdup_or_null(src->ssh.known_hosts);
	dst->api_version = mae_xstrdup_or_null(src->api_version);
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

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ship_conn_to_json(const struct ship_conn *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "transport",
			    json_string(ship_transport_name(c->transport)));
	json_object_set_new(o, "endpoint", str_or_null(c->endpoint));
	json_object_set_new(o, "port", json_integer(c->port));
	json_object_set_new(o, "socket_path", str_or_null(c->socket_path));
	json_object_set_new(o, "timeout", json_real(c->timeout_s));
	json_object_set_new(o, "api_version", str_or_null(c->api_version));
	if (c->tls_on) {
		json_t *t = json_object();
		json_object_set_new(t, "verify", json_boolean(c->tls.verify));
		json_object_set_new(t, "ca_cert", str_or_null(c->tls.ca_cert));
		json_object_set_new(t, "cert", str_or_null(c->tls.cert));
		json_object_set_new(t, "key", str_or_null(c->tls.key));
		json_object_set_new(o, "tls", t);
	} else {
		json_object_set_new(o, "tls", json_null());
	}
	if (c->has_ssh) {
		const struct ship_ssh *h = &c->ssh;
		json_t *t = json_object();
		json_object_set_new(t, "user", str_or_null(h->user));
		json_object_set_new(t, "key", str_or_null(h->key));
		json_object_set_new(t, "port", json_integer(h->port));
		json_object_set_new(t, "known_hosts",
				    str_or_null(h->known_hosts));
		json_object_set_new(t, "insecure_host_key",
				    json_boolean(h->insecure_host_key));
		json_object_set_new(t, "timeout", json_real(h->timeout_s));
		json_object_set_new(o, "ssh", t);
	} else {
		json_object_set_new(o, "ssh", json_null());
	}
	return o;
}

static const char *const conn_keys[] = {
	"transport", "endpoint", "port", "socket_path", "timeout",
	"api_version", "tls", "ssh", NULL,
};
static const char *const tls_keys[] = {
	"verify", "ca_cert", "cert", "key", NULL,
};
static const char *const ssh_keys[] = {
	"user", "key", "port", "known_hosts", "insecure_host_key", "timeout",
	NULL,
};

static int get_port(struct pj *r, const json_t *o, const char *k, int *out)
{
	json_int_t v;
	if (pj_int(r, o, k, &v) < 0)
		return -1;
	if (v < 0 || v > 65535)
		return pj_fail(r, k, "port %lld out of range",
			       (long long)v);
	*out = (int)v;
	return 0;
}

static int get_timeout(struct pj *r, const json_t *o, const char *k,
		       double *out)
{
	if (pj_number(r, o, k, out) < 0)
		return -1;
	if (!isfinite(*out) || *out < 0)
		return pj_fail(r, k, "timeout must be a number >= 0");
	return 0;
}

int ship_conn_from_json(const json_t *v, const char *name, const char *where,
			struct ship_conn *out, struct mae_error *e)
{
	struct pj r;
	pj_init(&r, where, e);
	struct ship_conn c = { 0 };
	c.name = mae_xstrdup(name);
	const char *t = NULL;
	if (pj_object(&r, v, conn_keys) < 0 ||
	    pj_str(&r, v, "transport", false, &t) < 0)
		goto fail;
	if (mae_streq(t, "unix"))
		c.transport = SHIP_UNIX;
	else if (mae_streq(t, "tcp"))
		c.transport = SHIP_TCP;
	else if (mae_streq(t, "tls"))
		c.transport = SHIP_TLS;
	else if (mae_streq(t, "ssh"))
		c.transport = SHIP_SSH;
	else {
		pj_fail(&r, "transport", "unknown transport '%s'", t);
		goto fail;
	}
	if (pj_strdup(&r, v, "endpoint", true, &c.endpoint) < 0 ||
	    get_port(&r, v, "port", &c.port) < 0 ||
	    pj_strdup(&r, v, "socket_path", true, &c.socket_path) < 0 ||
	    get_timeout(&r, v, "timeout", &c.timeout_s) < 0 ||
	    pj_strdup(&r, v, "api_version", true, &c.api_version) < 0)
		goto fail;
	if (c.transport == SHIP_UNIX && !c.socket_path) {
		pj_fail(&r, "socket_path", "a unix ship needs a socket path");
		goto fail;
	}
	if ((c.transport == SHIP_TCP || c.transport == SHIP_TLS ||
	     c.transport == SHIP_SSH) && !c.endpoint) {
		pj_fail(&r, "endpoint", "a %s ship needs an endpoint", t);
		goto fail;
	}
	const json_t *tls = json_object_get(v, "tls");
	if (tls && !json_is_null(tls)) {
		c.tls_on = true;
		pj_push(&r, "tls");
		if (pj_object(&r, tls, tls_keys) < 0 ||
		    pj_bool(&r, tls, "verify", &c.tls.verify) < 0 ||
		    pj_strdup(&r, tls, "ca_cert", true, &c.tls.ca_cert) < 0 ||
		    pj_strdup(&r, tls, "cert", true, &c.tls.cert) < 0 ||
		    pj_strdup(&r, tls, "key", true, &c.tls.key) < 0)
			goto fail;
		pj_pop(&r);
	} else if (!tls) {
		pj_fail(&r, "tls", "missing");
		goto fail;
	}
	if (c.transport == SHIP_TLS && !c.tls_on) {
		pj_fail(&r, "tls", "a tls ship needs its tls settings");
		goto fail;
	}
	const json_t *ssh = json_object_get(v, "ssh");
	if (ssh && !json_is_null(ssh)) {
		c.has_ssh = true;
		pj_push(&r, "ssh");
		if (pj_object(&r, ssh, ssh_keys) < 0 ||
		    pj_strdup(&r, ssh, "user", false, &c.ssh.user) < 0 ||
		    pj_strdup(&r, ssh, "key", true, &c.ssh.key) < 0 ||
		    get_port(&r, ssh, "port", &c.ssh.port) < 0 ||
		    pj_strdup(&r, ssh, "known_hosts", true,
			      &c.ssh.known_hosts) < 0 ||
		    pj_bool(&r, ssh, "insecure_host_key",
			    &c.ssh.insecure_host_key) < 0 ||
		    get_timeout(&r, ssh, "timeout", &c.ssh.timeout_s) < 0)
			goto fail;
		pj_pop(&r);
	} else if (!ssh) {
		pj_fail(&r, "ssh", "missing");
		goto fail;
	}
	if ((c.transport == SHIP_SSH) != c.has_ssh) {
		pj_fail(&r, "ssh", c.has_ssh ? "ssh settings on a %s ship"
					     : "an %s ship needs its ssh settings",
			t);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	ship_conn_release(&c);
	return r.rc;
}
