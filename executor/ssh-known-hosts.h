/*
 * ssh-known-hosts.h - the known_hosts half of SSH ships: is the host key a
 * server offers the one known_hosts holds for it, and which host key
 * algorithms to offer so that the server sends a key we can check.
 * Private to executor/ (ssh-tunnel.c and the unit tests).
 */
#ifndef MAESTRO_EXECUTOR_SSH_KNOWN_HOSTS_H
#define MAESTRO_EXECUTOR_SSH_KNOWN_HOSTS_H

#include <stddef.h>

#include "base.h"

/*
 * Host key types, as the known_hosts check takes them (libssh2's own
 * constants stay inside executor/'s .c files).
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
/* The key type of libssh2's LIBSSH2_HOSTKEY_TYPE_*, or UNKNOWN. */
enum ssh_key_type ssh_key_type_from_hostkey(int hostkey_type);

/* libssh2_init(), once per process; MAE_ERR_INTERNAL when it failed. */
int ssh_lib_ready(struct mae_error *e);

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
