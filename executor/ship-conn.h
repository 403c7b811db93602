/*
 * ship-conn.h - how to reach one ship's Docker daemon: the connection
 * settings, as the executor keeps them.  Filled by cli from the model (or
 * from a stored plan), storable as they are: endpoints, ports and file
 * paths, never key material or passwords.
 */
#ifndef MAESTRO_EXECUTOR_SHIP_CONN_H
#define MAESTRO_EXECUTOR_SHIP_CONN_H

#include <stdbool.h>

enum ship_transport {
	SHIP_UNIX,  /* socket_path on this machine */
	SHIP_TCP,   /* http://endpoint:port */
	SHIP_TLS,   /* https://endpoint:port */
	SHIP_SSH,   /* through an SSH session to endpoint, then to the
		     * daemon's unix socket (socket_path) or 127.0.0.1:port;
		     * with `tls` set, TLS runs inside the tunnel */
};

struct ship_ssh {
	char *user;            /* required */
	char *key;             /* identity file path, or NULL: ssh-agent */
	int port;              /* default 22 */
	char *known_hosts;     /* NULL: ~/.ssh/known_hosts */
	bool insecure_host_key;/* accept unknown/changed host keys (dangerous) */
	double timeout_s;      /* ssh_timeout: connecting; default = ship timeout */
};

struct ship_tls {
	bool verify;           /* verify the daemon's certificate */
	char *ca_cert;         /* paths, or NULL */
	char *cert;
	char *key;
};

struct ship_conn {
	char *name;            /* the ship's name in the description */
	enum ship_transport transport;
	char *endpoint;        /* host name or address the daemon (or sshd) is reached at */
	int port;              /* daemon TCP port (2375, 2376 with tls) */
	char *socket_path;     /* unix socket path, or NULL */
	bool tls_on;           /* https (also with SHIP_SSH) */
	struct ship_tls tls;
	bool has_ssh;
	struct ship_ssh ssh;
	double timeout_s;      /* connect and ordinary calls; default 5 */
	char *api_version;     /* NULL or "auto": negotiate; else a pin "1.xx" */
};

/* Free the strings of c (not c itself). NULL-safe. */
void ship_conn_release(struct ship_conn *c);
/* Deep copy. */
void ship_conn_copy(struct ship_conn *dst, const struct ship_conn *src);

#endif
