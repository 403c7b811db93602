/*
 * ship-settings.c - a ship of the model to its connection settings
 * (compiler.h, compile_ship_conn).
 */
#include "compiler.h"
#include "plan.h"
#include "schema.h"

#include <string.h>

void compile_ship_conn(const struct schema_ship *s, struct ship_conn *out)
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
