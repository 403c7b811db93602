/*
 * ssh-known-hosts.c - host keys checked against an OpenSSH known_hosts
 * file (plain and hashed names, "[host]:port" forms, lines libssh2 cannot
 * read skipped as OpenSSH skips them), the host key algorithms to offer
 * for a host, and libssh2's one-time initialisation.
 *
 * Must not: print, or trust a file it did not check (ssh-known-hosts.h).
 */
#include "ssh-known-hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh2.h>

static const struct {
	const char *name;  /* as in known_hosts */
	const char *algos; /* host key algorithms that give this key type */
	int kh_bit;
	int hostkey_type;
	enum ssh_key_type type;
} key_types[] = {
	{ "ssh-ed25519", "ssh-ed25519", LIBSSH2_KNOWNHOST_KEY_ED25519,
	  LIBSSH2_HOSTKEY_TYPE_ED25519, SSH_KEY_ED25519 },
	{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256",
	  LIBSSH2_KNOWNHOST_KEY_ECDSA_256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256,
	  SSH_KEY_ECDSA_256 },
	{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384",
	  LIBSSH2_KNOWNHOST_KEY_ECDSA_384, LIBSSH2_HOSTKEY_TYPE_ECDSA_384,
	  SSH_KEY_ECDSA_384 },
	{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521",
	  LIBSSH2_KNOWNHOST_KEY_ECDSA_521, LIBSSH2_HOSTKEY_TYPE_ECDSA_521,
	  SSH_KEY_ECDSA_521 },
	{ "ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa",
	  LIBSSH2_KNOWNHOST_KEY_SSHRSA, LIBSSH2_HOSTKEY_TYPE_RSA, SSH_KEY_RSA },
	{ "ssh-dss", "ssh-dss", LIBSSH2_KNOWNHOST_KEY_SSHDSS,
	  LIBSSH2_HOSTKEY_TYPE_DSS, SSH_KEY_DSS },
};
#define N_KEY_TYPES (sizeof(key_types) / sizeof(key_types[0]))

enum ssh_key_type ssh_key_type_from_name(const char *name)
{
	for (size_t i = 0; i < N_KEY_TYPES; i++)
		if (mae_streq(name, key_types[i].name))
			return key_types[i].type;
	return SSH_KEY_UNKNOWN;
}

enum ssh_key_type ssh_key_type_from_hostkey(int hostkey_type)
{
	for (size_t i = 0; i < N_KEY_TYPES; i++)
		if (key_types[i].hostkey_type == hostkey_type)
			return key_types[i].type;
	return SSH_KEY_UNKNOWN;
}

static int key_type_index(enum ssh_key_type type)
{
	for (size_t i = 0; i < N_KEY_TYPES; i++)
		if (key_types[i].type == type)
			return (int)i;
	return -1;
}

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc;

static void lib_init(void)
{
	lib_rc = libssh2_init(0);
}

int ssh_lib_ready(struct mae_error *e)
{
	pthread_once(&lib_once, lib_init);
	if (lib_rc != 0)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "libssh2 could not be initialised");
	return 0;
}

/* [p, p + n) is 20 bytes in standard padded base64 (28 characters) */
static bool b64_sha1_ok(const char *p, size_t n)
{
	if (n != 28 || p[27] != '=')
		return false;
	for (size_t i = 0; i < 27; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	return true;
}

/*
 * A hashed name ("|1|salt|hash", both 20 bytes, as OpenSSH writes them)
 * that libssh2 can check: it leaks an HMAC context on hashes of another
 * length, and OpenSSH ignores such lines anyway.
 */
static bool hashed_name_ok(const char *line)
{
	if (!mae_startswith(line, "|1|"))
		return true; /* not hashed */
	const char *salt = line + 3;
	const char *bar = strchr(salt, '|');
	if (!bar)
		return false;
	const char *hash = bar + 1;
	size_t hn = strcspn(hash, " \t");
	return b64_sha1_ok(salt, (size_t)(bar - salt)) && b64_sha1_ok(hash, hn);
}

/*
 * Load a known_hosts file line by line: libssh2's own reader gives up at
 * the first line it does not understand (a @cert-authority marker, a key
 * type it lacks), while OpenSSH skips such lines.  A missing file is an
 * empty one.
 */
static int known_hosts_load(LIBSSH2_KNOWNHOSTS *kh, const char *path,
			    struct mae_error *e)
{
	/* opened without blocking and checked: a FIFO must not hang us */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return mae_error_set(e, MAE_ERR_INVALID,
				     "known_hosts '%s' is not a regular file", path);
	}
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (err == ENOENT)
			return 0;
		mae_error_set(e, MAE_ERR_IO, "cannot read known_hosts '%s': %s",
			      path, strerror(err));
		if (e)
			e->sys_errno = err;
		return MAE_ERR_IO;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		/* Unparsable lines are skipped, as OpenSSH does. */
		const char *p = line + strspn(line, " \t");
		if (!hashed_name_ok(p))
			continue;
		(void)libssh2_knownhost_readline(kh, line, (size_t)n,
						 LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	}
	free(line);
	fclose(f);
	return 0;
}

static char *fingerprint(const void *key, size_t len)
{
	char hex[65];
	mae_sha256_hex(key, len, hex);
	/* hex back to bytes for the base64 form OpenSSH shows */
	unsigned char bin[32];
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		bin[i] = (unsigned char)v;
	}
	char *b64 = mae_base64_encode(bin, sizeof(bin), false);
	size_t l = strlen(b64);
	while (l && b64[l - 1] == '=')
		b64[--l] = '\0';
	char *fp = mae_xasprintf("SHA256:%s", b64);
	free(b64);
	return fp;
}

/*
 * As OpenSSH: port 22 looks up "host", any other port only "[host]:port"
 * (libssh2 given the port would fall back to the plain name, so the name
 * is formed here and no port passed).
 */
static int kh_check(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port,
		    const void *key, size_t len, int kh_bit)
{
	struct libssh2_knownhost *found = NULL;
	char *name = port == 22 ? mae_xstrdup(host)
				: mae_xasprintf("[%s]:%d", host, port);
	int r = libssh2_knownhost_checkp(kh, name, -1, key, len,
					 LIBSSH2_KNOWNHOST_TYPE_PLAIN |
						 LIBSSH2_KNOWNHOST_KEYENC_RAW |
						 kh_bit,
					 &found);
	free(name);
	return r;
}

int ssh_known_hosts_check(const char *path, const char *host, int port,
			  const void *key, size_t key_len,
			  enum ssh_key_type type, struct mae_error *e)
{
	int rc = ssh_lib_ready(e);
	if (rc < 0)
		return rc;
	int ti = key_type_index(type);
	char *fp = fingerprint(key, key_len);
	char *where = port == 22 ? mae_xstrdup(host)
				 : mae_xasprintf("[%s]:%d", host, port);
	if (ti < 0) {
		rc = mae_error_set(e, MAE_ERR_AUTH,
				   "host key of '%s' has a type maestro cannot check (%s)",
				   where, fp);
		goto out;
	}
	LIBSSH2_SESSION *s = libssh2_session_init();
	if (!s) {
		rc = mae_error_set(e, MAE_ERR_INTERNAL, "libssh2 session init failed");
		goto out;
	}
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	if (!kh) {
		libssh2_session_free(s);
		rc = mae_error_set(e, MAE_ERR_INTERNAL, "libssh2 knownhost init failed");
		goto out;
	}
	rc = known_hosts_load(kh, path, e);
	if (rc == 0) {
		int r = kh_check(kh, host, port, key, key_len,
				 key_types[ti].kh_bit);
		switch (r) {
		case LIBSSH2_KNOWNHOST_CHECK_MATCH:
			rc = 0;
			break;
		case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
			rc = mae_error_set(e, MAE_ERR_AUTH,
					   "host key of '%s' has CHANGED: the server offered %s %s, "
					   "known_hosts '%s' holds another key (someone may be "
					   "intercepting the connection; if the key was "
					   "legitimately replaced, update known_hosts)",
					   where, key_types[ti].name, fp, path);
			break;
		case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
			rc = mae_error_set(e, MAE_ERR_AUTH,
					   "host key of '%s' is unknown: the server offered %s %s, "
					   "not in known_hosts '%s' (add it, e.g. with "
					   "ssh-keyscan, after checking the fingerprint)",
					   where, key_types[ti].name, fp, path);
			break;
		default:
			rc = mae_error_set(e, MAE_ERR_AUTH,
					   "host key of '%s' could not be checked against '%s'",
					   where, path);
			break;
		}
	}
	libssh2_knownhost_free(kh);
	libssh2_session_free(s);
out:
	free(fp);
	free(where);
	return rc;
}

static char *known_algos_with(LIBSSH2_KNOWNHOSTS *kh, const char *host,
			      int port)
{
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < N_KEY_TYPES; i++) {
		/* A key that cannot match says whether an entry of this
		 * type exists: MISMATCH means it does. */
		static const unsigned char probe[1] = { 0 };
		if (kh_check(kh, host, port, probe, sizeof(probe),
			     key_types[i].kh_bit) ==
		    LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
			if (b.len)
				mae_buf_addc(&b, ',');
			mae_buf_adds(&b, key_types[i].algos);
		}
	}
	if (!b.len) {
		mae_buf_release(&b);
		return NULL;
	}
	return mae_buf_detach(&b);
}

char *ssh_known_hosts_algorithms(const char *path, const char *host,
				 int port)
{
	if (ssh_lib_ready(NULL) < 0)
		return NULL;
	LIBSSH2_SESSION *s = libssh2_session_init();
	if (!s)
		return NULL;
	char *ret = NULL;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	if (kh && known_hosts_load(kh, path, NULL) == 0)
		ret = known_algos_with(kh, host, port);
	if (kh)
		libssh2_knownhost_free(kh);
	libssh2_session_free(s);
	return ret;
}
