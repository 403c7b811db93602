/*
 * ssh-tunnel.h - an SSH tunnel to one ship's Docker daemon.
 *
 * ssh_tunnel_open() connects to the ship's sshd (libssh2), checks its host
 * key against known_hosts (ssh-known-hosts.h), authenticates with a key file or ssh-agent, and
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

#endif
