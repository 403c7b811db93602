/*
 * ship-settings.c - a model ship to connection settings (ship-settings.h).
 */
#include "ship-settings.h"

#include <stdio.h>
#include <string.h>

void cli_ship_conn_from_model(const struct schema_ship *s,
			      struct ship_conn *out)
{
	memset(out, 0, sizeof(*out));
	out->name = mae_xstrdup(s->name);
	out->endpoint = mae_xstrdup(s->endpoint ? s->endpoint : s->ip);
	out->port = s->docker_port > 0 ? s->docker_port
				       : (s->tls ? 2376 : 2375);
	const char *sock = s->socket_path;
	if (sock && mae_startswith(sock, "unix://"))
		sock += strlen("unix://");
	out->socket_path = mae_xstrdup_or_null(sock);
	out->tls_on = s->tls || s->tls_verify;
	out->tls.verify = s->tls_verify;
	out->tls.ca_cert = mae_xstrdup_or_null(s->tls_ca_cert);
	out->tls.cert = mae_xstrdup_or_null(s->tls_cert);
	out->tls.key = mae_xstrdup_or_null(s->tls_key);
	out->timeout_s = s->timeout_s > 0 ? s->timeout_s : 5;
	out->api_version = mae_xstrdup_or_null(s->api_version);
	if (s->has_ssh_tunnel) {
		/* the tunnel wins; TLS, when set, runs inside it */
		out->transport = SHIP_SSH;
		out->has_ssh = true;
		out->ssh.user = mae_xstrdup_or_null(s->ssh_tunnel.user);
		out->ssh.key = mae_xstrdup_or_null(s->ssh_tunnel.key);
		out->ssh.port = s->ssh_tunnel.port > 0 ? s->ssh_tunnel.port : 22;
		out->ssh.known_hosts = mae_xstrdup_or_null(s->ssh_tunnel.known_hosts);
		out->ssh.insecure_host_key = s->ssh_tunnel.insecure_host_key;
		out->ssh.timeout_s = s->ssh_timeout_s > 0 ? s->ssh_timeout_s
							  : out->timeout_s;
	} else if (out->socket_path) {
		/* MaestroNG's unix:// URL: no TLS on a local socket */
		out->transport = SHIP_UNIX;
		out->tls_on = false;
	} else {
		out->transport = out->tls_on ? SHIP_TLS : SHIP_TCP;
	}
}

size_t cli_ship_api_notes(const struct schema_env *env, struct mae_diags *d)
{
	size_t errors = 0, raised = 0;
	const struct schema_ship *first = NULL;
	for (size_t i = 0; i < env->nships; i++) {
		const struct schema_ship *s = &env->ships[i];
		switch (ship_api_pin_check(s->api_version, NULL)) {
		case SHIP_API_PIN_INVALID:
			schema_diag(d, MAE_SEV_ERROR, &s->pos,
				    "invalid api_version '%s' for ship '%s' "
				    "(expected 'auto' or a version such as '%s')",
				    s->api_version, s->name, SHIP_API_MAX);
			errors++;
			break;
		case SHIP_API_PIN_RAISED:
			if (!raised++)
				first = s;
			break;
		default:
			break;
		}
	}
	if (first) {
		char more[64] = "";
		if (raised > 1)
			snprintf(more, sizeof(more), " (so is the pin of %zu "
				 "more ship%s)", raised - 1,
				 raised > 2 ? "s" : "");
		schema_diag(d, MAE_SEV_WARNING, &first->pos,
			    "api_version '%s' of ship '%s' is older than %s, "
			    "the oldest API maestro speaks: %s is used%s",
			    first->api_version, first->name, SHIP_API_MIN,
			    SHIP_API_MIN, more);
	}
	return errors;
}
