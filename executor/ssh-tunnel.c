/*
 * ssh-tunnel.c - one SSH session per ship, many forwarded connections.
 *
 * Setting up (TCP connect, handshake, host key check, authentication)
 * runs on the caller's thread against one deadline.  Then a pump thread
 * takes the session over for good: it accepts connections on the private
 * unix socket, opens a channel for each (one channel open at a time: libssh2
 * keeps a single open state per session) and moves bytes both ways with
 * non-blocking libssh2 calls and poll().
 *
 * One libssh2 rule shapes the pump: when a call returns EAGAIN with the
 * session blocked on sending, part of a packet still sits in libssh2's
 * output buffer, and the next sending call of *any* channel would flush it
 * and report its own packet as sent.  So after such an EAGAIN the pump
 * retries that same call, and nothing else, until it gets through.
 *
 * Must not: print, or hold secrets (key files are read by libssh2 itself).
 */
#include "ssh-tunnel.h"
#include "ssh-known-hosts.h"
#include "ship-limits.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libssh2.h>

#define IOBUF 32768

/* ------------------------------------------------------------------ */
/* The tunnel                                                           */

enum conn_state {
	CONN_WAITING, /* accepted, its channel not open yet */
	CONN_OPEN,
};

struct tconn {
	int fd; /* the local connection */
	LIBSSH2_CHANNEL *ch;
	enum conn_state state;
	char up[IOBUF];   /* local -> channel */
	size_t up_len, up_off;
	char down[IOBUF]; /* channel -> local */
	size_t down_len, down_off;
	bool local_eof, eof_sent, remote_eof;
	bool dead; /* to be removed at the end of the round */
	bool drop_pending; /* dropped while its call is blocked sending */
	struct tconn *next;
};

/* A call that returned EAGAIN while the session was blocked on sending. */
enum op_kind {
	OP_NONE,
	OP_OPEN,
	OP_WRITE,
	OP_EOF,
	OP_READ,
	OP_FREE,
	OP_KEEPALIVE,
};

struct ssh_tunnel {
	char *name;        /* "user@host:port", for messages */
	char *dir;         /* the 0700 directory */
	char *path;        /* dir/docker.sock */
	char *target_path; /* daemon socket on the ship, or NULL */
	int target_port;
	int sock;          /* TCP to sshd */
	int listen_fd;
	int wake[2];
	LIBSSH2_SESSION *s;
	int keepalive_s;

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* guards dead_msg and dead */
	bool dead;
	char dead_msg[512];

	struct tconn *conns;
	/* channels being closed: freed once libssh2 says so */
	LIBSSH2_CHANNEL **closing;
	size_t n_closing, cap_closing;

	enum op_kind blocked;
	struct tconn *blocked_conn;
};

static int64_t deadline_left(int64_t deadline)
{
	int64_t left = deadline - mae_now_ms();
	return left < 0 ? 0 : left;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* Set the TCP keepalive and user timeout that notice a vanished host. */
static void tune_socket(int fd, double timeout_s)
{
	int one = 1;
	int idle = (int)(timeout_s / 2);
	if (idle < 1)
		idle = 1;
	int intvl = 1, cnt = 3;
	unsigned int user_ms = (unsigned int)(timeout_s * 1000);
	if (user_ms < 1000)
		user_ms = 1000;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof(user_ms));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int tcp_connect(const char *host, int port, int64_t deadline,
		       int *ret_fd, struct mae_error *e)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	int g = getaddrinfo(host, portstr, &hints, &res);
	if (g != 0)
		return mae_error_set(e, MAE_ERR_CONNECT,
				     "cannot resolve ssh host '%s': %s", host,
				     gai_strerror(g));
	int err = 0;
	int rc = MAE_ERR_CONNECT;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		set_nonblock(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n;
		do
			n = poll(&p, 1, (int)deadline_left(deadline));
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			close(fd);
			rc = MAE_ERR_TIMEOUT;
			err = ETIMEDOUT;
			break;
		}
		socklen_t sl = sizeof(err);
		err = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err) {
			close(fd);
			continue;
		}
		*ret_fd = fd;
		freeaddrinfo(res);
		return 0;
	}
	freeaddrinfo(res);
	if (rc == MAE_ERR_TIMEOUT)
		mae_error_set(e, rc, "ssh connection to '%s:%d' timed out", host,
			      port);
	else
		mae_error_set(e, rc, "cannot connect to ssh at '%s:%d': %s", host,
			      port, strerror(err ? err : ECONNREFUSED));
	if (e)
		e->sys_errno = err;
	return rc;
}

static const char *session_errmsg(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

/* Wait until the session's socket can go on, within the deadline. */
static int session_wait(struct ssh_tunnel *t, int64_t deadline)
{
	int dirs = libssh2_session_block_directions(t->s);
	struct pollfd p = { .fd = t->sock, .events = 0 };
	if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (!p.events)
		p.events = POLLIN;
	int64_t left = deadline_left(deadline);
	if (left == 0)
		return MAE_ERR_TIMEOUT;
	int n;
	do
		n = poll(&p, 1, (int)left);
	while (n < 0 && errno == EINTR);
	return n == 0 ? MAE_ERR_TIMEOUT : 0;
}

#define NB_CALL(rc, call)                                                  \
	do {                                                               \
		while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN) {          \
			if (session_wait(t, deadline) < 0) {               \
				(rc) = LIBSSH2_ERROR_TIMEOUT;              \
				break;                                     \
			}                                                  \
		}                                                          \
	} while (0)

static int check_host_key(struct ssh_tunnel *t, const struct ship_conn *c,
			  const char *kh_path, struct mae_error *e)
{
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(t->s, &len, &type);
	if (!key)
		return mae_error_set(e, MAE_ERR_PROTOCOL,
				     "ssh server at '%s' sent no host key", t->name);
	int rc = ssh_known_hosts_check(kh_path, c->endpoint, c->ssh.port, key,
				       len, ssh_key_type_from_hostkey(type), e);
	if (rc == MAE_ERR_AUTH && c->ssh.insecure_host_key)
		return 0; /* the user accepted the danger */
	return rc;
}

static int authenticate(struct ssh_tunnel *t, const struct ship_conn *c,
			int64_t deadline, struct mae_error *e)
{
	const char *user = c->ssh.user;
	int rc;
	if (c->ssh.key) {
		if (access(c->ssh.key, R_OK) != 0) {
			int err = errno;
			mae_error_set(e, MAE_ERR_IO, "cannot read ssh key '%s': %s",
				      c->ssh.key, strerror(err));
			if (e)
				e->sys_errno = err;
			return MAE_ERR_IO;
		}
		NB_CALL(rc, libssh2_userauth_publickey_fromfile_ex(
				    t->s, user, (unsigned)strlen(user), NULL,
				    c->ssh.key, NULL));
		if (rc == LIBSSH2_ERROR_TIMEOUT)
			return mae_error_set(e, MAE_ERR_TIMEOUT,
					     "ssh authentication at '%s' timed out",
					     t->name);
		if (rc != 0)
			return mae_error_set(e, MAE_ERR_AUTH,
					     "ssh server at '%s' refused key '%s' for user '%s': %s",
					     t->name, c->ssh.key, user,
					     session_errmsg(t->s));
		return 0;
	}

	/* No key file: every identity ssh-agent holds, in turn. */
	LIBSSH2_AGENT *agent = libssh2_agent_init(t->s);
	if (!agent)
		return mae_error_set(e, MAE_ERR_INTERNAL, "libssh2 agent init failed");
	rc = MAE_ERR_AUTH;
	if (libssh2_agent_connect(agent) != 0) {
		mae_error_set(e, MAE_ERR_AUTH,
			      "no ssh key given for '%s' and no ssh-agent to ask "
			      "(SSH_AUTH_SOCK): %s",
			      t->name, session_errmsg(t->s));
		goto out;
	}
	if (libssh2_agent_list_identities(agent) != 0) {
		mae_error_set(e, MAE_ERR_AUTH, "cannot list ssh-agent identities: %s",
			      session_errmsg(t->s));
		goto out_disc;
	}
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int tried = 0;
	while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
		int r;
		tried++;
		NB_CALL(r, libssh2_agent_userauth(agent, user, id));
		if (r == 0) {
			rc = 0;
			goto out_disc;
		}
		if (r == LIBSSH2_ERROR_TIMEOUT) {
			rc = mae_error_set(e, MAE_ERR_TIMEOUT,
					   "ssh authentication at '%s' timed out",
					   t->name);
			goto out_disc;
		}
		prev = id;
	}
	mae_error_set(e, MAE_ERR_AUTH,
		      "ssh server at '%s' refused all %d ssh-agent identities for user '%s'",
		      t->name, tried, user);
out_disc:
	libssh2_agent_disconnect(agent);
out:
	libssh2_agent_free(agent);
	return rc;
}

static int listen_local(struct ssh_tunnel *t, struct mae_error *e)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	char tmpl[PATH_MAX];
	if (!base || !*base || strlen(base) > 60)
		base = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/maestro-ssh-XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		snprintf(tmpl, sizeof(tmpl), "/tmp/maestro-ssh-XXXXXX");
		if (!mkdtemp(tmpl))
			return mae_error_set(e, MAE_ERR_IO,
					     "cannot make a private directory for the ssh tunnel: %s",
					     strerror(errno));
	}
	t->dir = mae_xstrdup(tmpl);
	chmod(t->dir, 0700);
	t->path = mae_xasprintf("%s/docker.sock", t->dir);

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(t->path) >= sizeof(sa.sun_path))
		return mae_error_set(e, MAE_ERR_IO, "tunnel socket path '%s' is too long",
				     t->path);
	strcpy(sa.sun_path, t->path);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->listen_fd < 0 ||
	    bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(t->listen_fd, 128) < 0)
		return mae_error_set(e, MAE_ERR_IO, "cannot listen on '%s': %s",
				     t->path, strerror(errno));
	return 0;
}

static void tunnel_free(struct ssh_tunnel *t)
{
	if (t->s) {
		/* Blocking, bounded: libssh2_session_free() in non-blocking
		 * mode gives up (EAGAIN) while channels are still open and
		 * frees nothing.  A lost session fails every call at once. */
		if (t->dead && t->sock >= 0)
			shutdown(t->sock, SHUT_RDWR);
		libssh2_session_set_timeout(t->s, 1000);
		libssh2_session_set_blocking(t->s, 1);
		if (!t->dead)
			libssh2_session_disconnect(t->s, "maestro done");
		int r;
		int tries = 0;
		while ((r = libssh2_session_free(t->s)) == LIBSSH2_ERROR_EAGAIN &&
		       tries++ < 10)
			;
	}
	if (t->sock >= 0)
		close(t->sock);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	for (int i = 0; i < 2; i++)
		if (t->wake[i] >= 0)
			close(t->wake[i]);
	if (t->path)
		unlink(t->path);
	if (t->dir)
		rmdir(t->dir);
	free(t->closing);
	free(t->name);
	free(t->dir);
	free(t->path);
	free(t->target_path);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * The host key algorithms in the order to offer them: those in `first`,
 * then the rest, all of them supported by this libssh2 and none twice
 * (libssh2 1.10's own filtering of unsupported names overlaps memcpy()).
 */
static char *hostkey_preference(LIBSSH2_SESSION *s, const char *first)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	if (n <= 0)
		return NULL;
	struct mae_buf b = MAE_BUF_INIT;
	bool *used = mae_xcalloc((size_t)n, sizeof(*used));
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if (used[i])
				continue;
			if (pass == 0) {
				/* is algs[i] one of the comma-separated names? */
				size_t l = strlen(algs[i]);
				const char *p = first;
				bool found = false;
				while (p && *p && !found) {
					size_t m = strcspn(p, ",");
					found = m == l && !strncmp(p, algs[i], l);
					p += m;
					if (*p == ',')
						p++;
				}
				if (!found)
					continue;
			}
			used[i] = true;
			if (b.len)
				mae_buf_addc(&b, ',');
			mae_buf_adds(&b, algs[i]);
		}
	}
	free(used);
	libssh2_free(s, algs);
	return mae_buf_detach(&b);
}

static void *pump_main(void *arg);

int ssh_tunnel_open(const struct ship_conn *c, struct ssh_tunnel **ret,
		    struct mae_error *e)
{
	int rc = ssh_lib_ready(e);
	if (rc < 0)
		return rc;
	if (!c->has_ssh || !c->ssh.user || !*c->ssh.user || !c->endpoint)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "ship '%s' has no complete ssh_tunnel settings (user, endpoint)",
				     c->name ? c->name : "?");
	double timeout_s = ship_timeout_norm(c->ssh.timeout_s,
					     ship_timeout_norm(c->timeout_s, 5));
	int64_t deadline = mae_now_ms() + ship_limit_ms(timeout_s);
	int sshport = c->ssh.port > 0 ? c->ssh.port : 22;

	struct ssh_tunnel *t = mae_xcalloc(1, sizeof(*t));
	t->sock = t->listen_fd = t->wake[0] = t->wake[1] = -1;
	pthread_mutex_init(&t->lock, NULL);
	t->name = mae_xasprintf("%s@%s:%d", c->ssh.user, c->endpoint, sshport);
	t->target_path = mae_xstrdup_or_null(c->socket_path);
	t->target_port = c->port > 0 ? c->port : 2375;
	t->keepalive_s = (int)(timeout_s / 2) < 1 ? 1 : (int)(timeout_s / 2);

	char *kh_home = NULL;
	const char *kh_path = c->ssh.known_hosts;
	if (!kh_path) {
		const char *home = getenv("HOME");
		kh_home = mae_xasprintf("%s/.ssh/known_hosts", home ? home : "");
		kh_path = kh_home;
	}

	/* the client prefixes the ship's name */
	rc = ship_file_check(NULL, "ssh_tunnel key", c->ssh.key, e);
	if (!rc)
		rc = ship_file_check(NULL, "ssh_tunnel known_hosts", kh_path, e);
	if (rc < 0)
		goto fail;
	rc = tcp_connect(c->endpoint, sshport, deadline, &t->sock, e);
	if (rc < 0)
		goto fail;
	tune_socket(t->sock, timeout_s);

	t->s = libssh2_session_init();
	if (!t->s) {
		rc = mae_error_set(e, MAE_ERR_INTERNAL, "libssh2 session init failed");
		goto fail;
	}
	libssh2_session_set_blocking(t->s, 0);
	/* Ask first for the key types known_hosts has for this host, as
	 * OpenSSH does, so that a host with several keys is recognised. */
	char *algos = ssh_known_hosts_algorithms(kh_path, c->endpoint, sshport);
	if (algos) {
		char *pref = hostkey_preference(t->s, algos);
		if (pref)
			libssh2_session_method_pref(t->s, LIBSSH2_METHOD_HOSTKEY, pref);
		free(pref);
		free(algos);
	}
	NB_CALL(rc, libssh2_session_handshake(t->s, t->sock));
	if (rc != 0) {
		rc = rc == LIBSSH2_ERROR_TIMEOUT
			     ? mae_error_set(e, MAE_ERR_TIMEOUT,
					     "ssh handshake with '%s' timed out", t->name)
			     : mae_error_set(e, MAE_ERR_CONNECT,
					     "ssh handshake with '%s' failed: %s",
					     t->name, session_errmsg(t->s));
		goto fail;
	}
	rc = check_host_key(t, c, kh_path, e);
	if (rc < 0)
		goto fail;
	rc = authenticate(t, c, deadline, e);
	if (rc < 0)
		goto fail;
	/* No reply wanted: an unanswered keepalive is noticed by TCP
	 * (TCP_USER_TIMEOUT), and replies would sit unread while idle. */
	libssh2_keepalive_config(t->s, 0, (unsigned)t->keepalive_s);

	rc = listen_local(t, e);
	if (rc < 0)
		goto fail;
	if (pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = mae_error_set(e, MAE_ERR_INTERNAL, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&t->thread, NULL, pump_main, t) != 0) {
		rc = mae_error_set(e, MAE_ERR_INTERNAL, "cannot start the ssh pump thread");
		goto fail;
	}
	t->thread_started = true;
	free(kh_home);
	*ret = t;
	return 0;
fail:
	free(kh_home);
	tunnel_free(t);
	return rc;
}

const char *ssh_tunnel_path(const struct ssh_tunnel *t)
{
	return t->path;
}

int ssh_tunnel_status(const struct ssh_tunnel *t, struct mae_error *e)
{
	struct ssh_tunnel *m = (struct ssh_tunnel *)t;
	pthread_mutex_lock(&m->lock);
	int rc = 0;
	if (m->dead)
		rc = mae_error_set(e, MAE_ERR_CONNECT, "%s", m->dead_msg);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void ssh_tunnel_close(struct ssh_tunnel *t)
{
	if (!t)
		return;
	if (t->thread_started) {
		char c = 'q';
		ssize_t n;
		do
			n = write(t->wake[1], &c, 1);
		while (n < 0 && errno == EINTR);
		pthread_join(t->thread, NULL);
	}
	tunnel_free(t);
}

/* ------------------------------------------------------------------ */
/* The pump                                                             */

static bool fatal_errno(int err)
{
	switch (err) {
	case LIBSSH2_ERROR_SOCKET_NONE:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_INVALID_MAC:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_ALLOC:
		return true;
	default:
		return false;
	}
}

static void mark_dead(struct ssh_tunnel *t, const char *why)
{
	if (mae_streq(why, "transport read") || mae_streq(why, "Unable to send"))
		why = "the connection broke (the server or the network went away)";
	pthread_mutex_lock(&t->lock);
	if (!t->dead) {
		t->dead = true;
		snprintf(t->dead_msg, sizeof(t->dead_msg),
			 "ssh session to '%s' lost: %s", t->name, why);
	}
	pthread_mutex_unlock(&t->lock);
}

static void closing_add(struct ssh_tunnel *t, LIBSSH2_CHANNEL *ch)
{
	if (t->n_closing == t->cap_closing) {
		t->cap_closing = t->cap_closing ? 2 * t->cap_closing : 16;
		t->closing = mae_xrealloc(t->closing,
					  t->cap_closing * sizeof(*t->closing));
	}
	t->closing[t->n_closing++] = ch;
}

static void conn_drop(struct ssh_tunnel *t, struct tconn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (t->blocked_conn == c) {
		/* its half-sent packet must go out first */
		c->drop_pending = true;
		return;
	}
	if (c->ch) {
		closing_add(t, c->ch);
		c->ch = NULL;
	}
	c->dead = true;
}

/*
 * After a libssh2 call returned EAGAIN: if the session is blocked on
 * sending, remember the call so that it alone is retried.  Returns true
 * when blocked that way.
 */
static bool note_blocked(struct ssh_tunnel *t, enum op_kind op,
			 struct tconn *c)
{
	if (libssh2_session_block_directions(t->s) &
	    LIBSSH2_SESSION_BLOCK_OUTBOUND) {
		t->blocked = op;
		t->blocked_conn = c;
		return true;
	}
	return false;
}

/*
 * A libssh2 call on channel c failed with err: the session is gone
 * (returns -1) or only this connection (0).
 */
static int chan_error(struct ssh_tunnel *t, struct tconn *c, int err)
{
	if (fatal_errno(err)) {
		mark_dead(t, session_errmsg(t->s));
		return -1;
	}
	conn_drop(t, c);
	return 0;
}

/* The first waiting connection gets its channel (one open at a time). */
static int step_open(struct ssh_tunnel *t, struct tconn *c, bool *progress)
{
	LIBSSH2_CHANNEL *ch;
	if (t->target_path) {
		/* direct-streamlocal@openssh.com: string path, string
		 * reserved, uint32 reserved (libssh2 1.10 has no call) */
		size_t pl = strlen(t->target_path);
		unsigned char msg[4 + PATH_MAX + 8];
		if (pl > PATH_MAX) {
			conn_drop(t, c);
			return 0;
		}
		msg[0] = (unsigned char)(pl >> 24);
		msg[1] = (unsigned char)(pl >> 16);
		msg[2] = (unsigned char)(pl >> 8);
		msg[3] = (unsigned char)pl;
		memcpy(msg + 4, t->target_path, pl);
		memset(msg + 4 + pl, 0, 8);
		static const char type[] = "direct-streamlocal@openssh.com";
		ch = libssh2_channel_open_ex(t->s, type, sizeof(type) - 1,
					     LIBSSH2_CHANNEL_WINDOW_DEFAULT,
					     LIBSSH2_CHANNEL_PACKET_DEFAULT,
					     (const char *)msg,
					     (unsigned)(4 + pl + 8));
	} else {
		ch = libssh2_channel_direct_tcpip_ex(t->s, "127.0.0.1",
						     t->target_port, "127.0.0.1", 0);
	}
	if (ch) {
		c->ch = ch;
		c->state = CONN_OPEN;
		*progress = true;
		return 0;
	}
	int err = libssh2_session_last_errno(t->s);
	if (err == LIBSSH2_ERROR_EAGAIN) {
		note_blocked(t, OP_OPEN, c);
		return 0;
	}
	return chan_error(t, c, err);
}

static int step_write(struct ssh_tunnel *t, struct tconn *c, bool *progress)
{
	ssize_t n = libssh2_channel_write(c->ch, c->up + c->up_off,
					  c->up_len - c->up_off);
	if (n == LIBSSH2_ERROR_EAGAIN) {
		note_blocked(t, OP_WRITE, c);
		return 0;
	}
	if (n < 0)
		return chan_error(t, c, (int)n);
	c->up_off += (size_t)n;
	if (c->up_off == c->up_len)
		c->up_off = c->up_len = 0;
	*progress = true;
	return 0;
}

static int step_eof(struct ssh_tunnel *t, struct tconn *c, bool *progress)
{
	int r = libssh2_channel_send_eof(c->ch);
	if (r == LIBSSH2_ERROR_EAGAIN) {
		note_blocked(t, OP_EOF, c);
		return 0;
	}
	if (r < 0)
		return chan_error(t, c, r);
	c->eof_sent = true;
	*progress = true;
	return 0;
}

static int step_read(struct ssh_tunnel *t, struct tconn *c, bool *progress)
{
	ssize_t n = libssh2_channel_read(c->ch, c->down, sizeof(c->down));
	if (n == LIBSSH2_ERROR_EAGAIN) {
		note_blocked(t, OP_READ, c);
		return 0;
	}
	if (n < 0)
		return chan_error(t, c, (int)n);
	if (n == 0) {
		if (libssh2_channel_eof(c->ch)) {
			c->remote_eof = true;
			*progress = true;
		}
		return 0;
	}
	c->down_len = (size_t)n;
	c->down_off = 0;
	*progress = true;
	return 0;
}

/* Retry the pending channel frees; false while one is blocked sending. */
static int step_closing(struct ssh_tunnel *t)
{
	size_t j = 0;
	for (size_t i = 0; i < t->n_closing; i++) {
		LIBSSH2_CHANNEL *ch = t->closing[i];
		if (t->blocked != OP_NONE) {
			t->closing[j++] = ch;
			continue;
		}
		int r = libssh2_channel_free(ch);
		if (r == LIBSSH2_ERROR_EAGAIN) {
			t->closing[j++] = ch;
			if (note_blocked(t, OP_FREE, NULL)) {
				/* keep this one first so it is retried first */
				LIBSSH2_CHANNEL *tmp = t->closing[0];
				t->closing[0] = ch;
				t->closing[j - 1] = tmp;
			}
			continue;
		}
		if (r < 0 && fatal_errno(r)) {
			mark_dead(t, session_errmsg(t->s));
			t->n_closing = j;
			return -1;
		}
	}
	t->n_closing = j;
	return 0;
}

static int retry_blocked(struct ssh_tunnel *t, bool *progress)
{
	enum op_kind op = t->blocked;
	struct tconn *c = t->blocked_conn;
	t->blocked = OP_NONE;
	t->blocked_conn = NULL;
	int r = 0;
	switch (op) {
	case OP_OPEN:
		r = step_open(t, c, progress);
		break;
	case OP_WRITE:
		r = step_write(t, c, progress);
		break;
	case OP_EOF:
		r = step_eof(t, c, progress);
		break;
	case OP_READ:
		r = step_read(t, c, progress);
		break;
	case OP_FREE:
		return step_closing(t);
	case OP_KEEPALIVE: {
		int next;
		int kr = libssh2_keepalive_send(t->s, &next);
		if (kr < 0 && kr != LIBSSH2_ERROR_EAGAIN) {
			mark_dead(t, session_errmsg(t->s));
			return -1;
		}
		return 0;
	}
	case OP_NONE:
		break;
	}
	if (r == 0 && c && c->drop_pending && t->blocked_conn != c &&
	    !c->dead)
		conn_drop(t, c);
	return r;
}

/* Local side: read from / write to the connection as poll allows. */
static void local_io(struct ssh_tunnel *t, struct tconn *c, short rev,
		     bool *progress)
{
	if ((rev & (POLLOUT | POLLERR | POLLHUP)) && c->down_off < c->down_len) {
		ssize_t n = send(c->fd, c->down + c->down_off,
				 c->down_len - c->down_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->down_off += (size_t)n;
			if (c->down_off == c->down_len)
				c->down_off = c->down_len = 0;
			*progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			conn_drop(t, c);
			return;
		}
	}
	if ((rev & (POLLIN | POLLHUP | POLLERR)) && c->state == CONN_OPEN &&
	    c->up_len == 0 && !c->local_eof) {
		ssize_t n = recv(c->fd, c->up, sizeof(c->up), 0);
		if (n > 0) {
			c->up_len = (size_t)n;
			c->up_off = 0;
			*progress = true;
		} else if (n == 0) {
			c->local_eof = true;
			*progress = true;
		} else if (errno != EAGAIN && errno != EINTR) {
			conn_drop(t, c);
		}
	}
}

static void accept_all(struct ssh_tunnel *t)
{
	for (;;) {
		int fd = accept4(t->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct tconn *c = mae_xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->state = CONN_WAITING;
		/* append: channels open in arrival order */
		struct tconn **pp = &t->conns;
		while (*pp)
			pp = &(*pp)->next;
		*pp = c;
	}
}

static void reap(struct ssh_tunnel *t)
{
	struct tconn **pp = &t->conns;
	while (*pp) {
		struct tconn *c = *pp;
		if (c->dead) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* The libssh2 side of one round: channel opens, writes, reads. */
static int ssh_round(struct ssh_tunnel *t, bool *progress)
{
	if (t->blocked != OP_NONE) {
		if (retry_blocked(t, progress) < 0)
			return -1;
		if (t->blocked != OP_NONE)
			return 0;
	}
	bool opened_one = false;
	for (struct tconn *c = t->conns; c && t->blocked == OP_NONE; c = c->next) {
		if (c->dead)
			continue;
		int r = 0;
		if (c->state == CONN_WAITING) {
			if (!opened_one) {
				opened_one = true;
				r = step_open(t, c, progress);
			}
		} else {
			if (c->up_off < c->up_len)
				r = step_write(t, c, progress);
			if (r == 0 && !c->dead && t->blocked == OP_NONE &&
			    c->up_len == 0 && c->local_eof && !c->eof_sent)
				r = step_eof(t, c, progress);
			if (r == 0 && !c->dead && t->blocked == OP_NONE &&
			    c->down_len == 0 && !c->remote_eof)
				r = step_read(t, c, progress);
			if (!c->dead && c->remote_eof && c->down_len == 0)
				conn_drop(t, c);
		}
		if (r < 0)
			return -1;
	}
	if (t->blocked == OP_NONE && step_closing(t) < 0)
		return -1;
	return 0;
}

static void drop_everything(struct ssh_tunnel *t)
{
	for (struct tconn *c = t->conns; c; c = c->next) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		c->dead = true;
		/* the channels go with the session */
	}
	reap(t);
	if (t->listen_fd >= 0) {
		close(t->listen_fd);
		t->listen_fd = -1;
	}
	/* New connections fail at once instead of waiting. */
	if (t->path)
		unlink(t->path);
}

static void *pump_main(void *arg)
{
	struct ssh_tunnel *t = arg;
	struct pollfd *pfd = NULL;
	struct tconn **pconn = NULL;
	size_t cap = 0;
	bool progress = true;

	for (;;) {
		size_t n = 0;
		for (struct tconn *c = t->conns; c; c = c->next)
			n++;
		if (n + 3 > cap) {
			cap = (n + 3) * 2;
			pfd = mae_xrealloc(pfd, cap * sizeof(*pfd));
			pconn = mae_xrealloc(pconn, cap * sizeof(*pconn));
		}
		size_t k = 0;
		pfd[k++] = (struct pollfd){ .fd = t->wake[0], .events = POLLIN };
		pfd[k++] = (struct pollfd){ .fd = t->listen_fd, .events = POLLIN };
		/* Read the session only when some channel would take data
		 * (else unread bytes would wake poll forever); a FIN is
		 * always watched for. */
		bool want_read = false, busy = false;
		for (struct tconn *c = t->conns; c; c = c->next) {
			busy = true;
			if (c->state == CONN_WAITING ||
			    (c->down_len == 0 && !c->remote_eof))
				want_read = true;
		}
		short sev = 0;
		if (want_read)
			sev = POLLIN | POLLRDHUP;
		else if (!busy)
			sev = POLLRDHUP;
		if (libssh2_session_block_directions(t->s) &
		    LIBSSH2_SESSION_BLOCK_OUTBOUND)
			sev |= POLLOUT;
		pfd[k++] = (struct pollfd){ .fd = t->sock, .events = sev };
		for (struct tconn *c = t->conns; c; c = c->next) {
			short ev = 0;
			if (c->state == CONN_OPEN && c->up_len == 0 && !c->local_eof)
				ev |= POLLIN;
			if (c->down_off < c->down_len)
				ev |= POLLOUT;
			pconn[k] = c;
			pfd[k++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		int timeout = progress ? 0 : t->keepalive_s * 1000;
		int r = poll(pfd, k, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			continue;
		if (pfd[0].revents)
			break; /* ssh_tunnel_close() */
		progress = false;
		short srev = pfd[2].revents;
		if (srev & (POLLERR | POLLHUP | POLLNVAL)) {
			int err = 0;
			socklen_t sl = sizeof(err);
			getsockopt(t->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
			mark_dead(t, err ? strerror(err) : "connection closed");
			break;
		}
		if ((srev & POLLRDHUP) && !busy) {
			mark_dead(t, "connection closed by the server");
			break;
		}
		if (pfd[1].revents & POLLIN)
			accept_all(t);
		for (size_t i = 3; i < k; i++)
			if (pfd[i].revents && !pconn[i]->dead)
				local_io(t, pconn[i], pfd[i].revents, &progress);

		if (ssh_round(t, &progress) < 0)
			break;
		if (t->blocked == OP_NONE) {
			int next;
			int kr = libssh2_keepalive_send(t->s, &next);
			if (kr < 0 && kr != LIBSSH2_ERROR_EAGAIN) {
				mark_dead(t, session_errmsg(t->s));
				break;
			}
			note_blocked(t, OP_KEEPALIVE, NULL);
		}
		reap(t);
	}
	if (!t->dead)
		mark_dead(t, "tunnel closed");
	drop_everything(t);
	free(pfd);
	free(pconn);
	return NULL;
}
