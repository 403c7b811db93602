/*
 * ssh-tunnel.h - an SSH tunnel to one ship's Docker daemon.
 *
 * ssh_tunnel_open() connects to the ship's sshd (libssh2), checks its host
 * key against known_hosts, authenticates with a key file or ssh-agent, and
 * then serves a private unix socket on this machine (in a fresh 0700
 * directory).  Every connection made to that socket is forwarded through
 * the one SSH session as its own channel: `direct-streamlocal@openssh.com`
 * to the daemon's unix socket when the ship has `socket_path`, else
 * `direct-tcpip` to 127.0.0.1:port.  Any number of connections may be open
 * at once.
 *
 * libssh2 is not thread-safe: after the connection is set up, one thread
 * owns the session and pumps every channel.  When the peer vanishes (the
 * connection breaks, or TCP keepalives and SSH keepalives go unanswered)
 * every local connection is closed at once and the socket removed, so that
 * pending and later calls fail instead of hanging; ssh_tunnel_status() then
 * says why.
 *
 * What this must not do: print, read the description, or keep a secret
 * (nothing but file paths and public keys pass through here).
 */
#ifndef MAESTRO_EXECUTOR_SSH_TUNNEL_H
#define MAESTRO_EXECUTOR_SSH_TUNNEL_H

#include <stddef.h>

#include "base.h"
#include "plan.h"

struct ssh_tunnel;

/*
 * Open the tunnel for ship c (c->has_ssh must be set).  Connecting,
 * the handshake and authentication together take at most c->ssh.timeout_s
 * (c->timeout_s when that is 0).  On success *ret is the tunnel (free it
 * with ssh_tunnel_close()).  Errors: MAE_ERR_CONNECT, MAE_ERR_TIMEOUT,
 * MAE_ERR_AUTH (host key not trusted, key refused), MAE_ERR_IO (a file),
 * MAE_ERR_INVALID (settings).  *ret is written only on success.
 */
int ssh_tunnel_open(const struct ship_conn *c, struct ssh_tunnel **ret,
		    struct mae_error *e);

/* The local unix socket that leads to the daemon.  Borrowed. */
const char *ssh_tunnel_path(const struct ssh_tunnel *t);

/*
 * 0 while the session is up; once it is lost, MAE_ERR_CONNECT with the
 * reason in e ("ssh session to 'HOST:PORT' lost: ...").  Thread-safe.
 */
int ssh_tunnel_status(const struct ssh_tunnel *t, struct mae_error *e);

/*
 * Close every forwarded connection, the session and the local socket, and
 * remove its directory.  NULL-safe.
 */
void ssh_tunnel_close(struct ssh_tunnel *t);

/*
 * Host key types, as the known_hosts check takes them (libssh2's own
 * constants stay inside ssh-tunnel.c).
 */
enum ssh_key_type {
	SSH_KEY_UNKNOWN = 0,
	SSH_KEY_RSA,
	SSH_KEY_DSS,
	SSH_KEY_ECDSA_256,
	SSH_KEY_ECDSA_384,
	SSH_KEY_ECDSA_521,
	SSH_KEY_ED25519,
};

/* The key type named as in known_hosts ("ssh-ed25519", ...), or UNKNOWN. */
enum ssh_key_type ssh_key_type_from_name(const char *name);

/*
 * Check a host key (the raw public key blob, as sent by the server)
 * for host:port against the known_hosts file at path (plain and hashed
 * entries, "[host]:port" forms for ports other than 22).  Returns 0 when it
 * matches; MAE_ERR_AUTH when the file has a different key of that type for
 * the host ("changed") or none ("unknown"), with the key's SHA-256
 * fingerprint in the message; MAE_ERR_IO when the file exists but cannot
 * be read.  A missing file counts as empty.
 */
int ssh_known_hosts_check(const char *path, const char *host, int port,
			  const void *key, size_t key_len,
			  enum ssh_key_type type, struct mae_error *e);

/*
 * The host key algorithms for which path holds an entry for host:port,
 * most preferred first, comma-separated (as libssh2's method preference
 * takes them), or NULL when there are none.  Newly allocated.
 */
char *ssh_known_hosts_algorithms(const char *path, const char *host,
				 int port);

#endif
