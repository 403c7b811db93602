/*
 * guest.c - MaestroNG's guest functions (spec §8) over an environment
 * array: names, addresses, ports and node lists.
 *
 * libc only (this file is compiled static against musl for maestro-guest);
 * never prints, never exits.  Messages follow maestro's diagnostics style
 * and add what MaestroNG's exceptions left out: the variable consulted and
 * why it did not do.
 */
/* struct ifreq, strndup(), getaddrinfo(): also when compiled on its own
 * with -std=c17 (the file is meant to be dropped into other programs). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include "maestro-guest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

__attribute__((format(printf, 3, 4)))
static int fail(struct guest_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static int nomem(struct guest_error *err)
{
	return fail(err, GUEST_ERR_NOMEM, "out of memory");
}

static int dup_to(const char *s, char **ret, struct guest_error *err)
{
	char *d = strdup(s);
	if (!d)
		return nomem(err);
	*ret = d;
	return GUEST_OK;
}

const char *guest_env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);
	if (!envp)
		envp = environ;
	if (!envp)
		return NULL;
	for (; *envp; envp++) {
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	}
	return NULL;
}

/*
 * Decodes the UTF-8 sequence at s into *cp; returns its length, or 0 for
 * a byte that does not start a valid sequence (overlong forms, surrogates
 * and code points past U+10FFFF are invalid).
 */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	unsigned long c;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Python's \w for code points below U+0100 (letters, digits, the
 * superscripts, fractions and ordinals that str.isalnum() accepts, '_');
 * above, everything counts as a word character, as maestro's own
 * normalisation has it.
 */
static bool is_word(unsigned long c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || c == '_';
	if (c < 0x100)
		return c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 ||
		       c == 0xb9 || c == 0xba || (c >= 0xbc && c <= 0xbe) ||
		       (c >= 0xc0 && c != 0xd7 && c != 0xf7);
	return true;
}

/* Appends word character c upper-cased as Python's str.upper() does below
 * U+0100 (ß becomes "SS"); others are kept as they are. */
static size_t put_upper(char *out, unsigned long c, const unsigned char *src,
			size_t len)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	else if (c == 0xdf) {
		memcpy(out, "SS", 2);
		return 2;
	} else if (c == 0xb5)
		c = 0x39c; /* micro sign -> Greek capital mu */
	else if (c == 0xff)
		c = 0x178; /* y diaeresis -> Y diaeresis */
	else if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		c -= 0x20;
	else if (c >= 0x100) {
		memcpy(out, src, len);
		return len;
	}
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (c >> 12));
	out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

char *guest_var_name(const char *s)
{
	/* Upper-casing grows a character by one byte at most (ß, ÿ, µ). */
	char *out = malloc(2 * strlen(s) + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p) {
		unsigned long c;
		size_t len = utf8_decode(p, &c);
		if (!len) {
			out[o++] = '_';
			p++;
		} else if (is_word(c)) {
			o += put_upper(out + o, c, p, len);
			p += len;
		} else {
			out[o++] = '_';
			p += len;
		}
	}
	out[o] = '\0';
	return out;
}

static bool is_py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

int guest_parse_int(const char *s, long *ret)
{
	while (is_py_space(*s))
		s++;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!(*s >= '0' && *s <= '9'))
		return GUEST_ERR_NOT_INT;
	/* Accumulate negatively so that LONG_MIN fits. */
	long v = 0;
	for (;;) {
		if (*s >= '0' && *s <= '9') {
			int d = *s - '0';
			if (v < (LONG_MIN + d) / 10)
				return GUEST_ERR_NOT_INT;
			v = v * 10 - d;
			s++;
		} else if (*s == '_' && s[1] >= '0' && s[1] <= '9') {
			s++;
		} else {
			break;
		}
	}
	while (is_py_space(*s))
		s++;
	if (*s)
		return GUEST_ERR_NOT_INT;
	if (!neg && v == LONG_MIN)
		return GUEST_ERR_NOT_INT;
	*ret = neg ? v : -v;
	return GUEST_OK;
}

int guest_environment_name(char *const *envp, char **ret,
			   struct guest_error *err)
{
	const char *v = guest_env_get(envp, "MAESTRO_ENVIRONMENT_NAME");
	return dup_to(v ? v : "local", ret, err);
}

/* A variable that must be set and not empty; `what` names it for humans. */
static int required(char *const *envp, const char *name, const char *what,
		    char **ret, struct guest_error *err)
{
	const char *v = guest_env_get(envp, name);
	if (!v || !*v)
		return fail(err, GUEST_ERR_UNSET, "%s was not defined (%s is %s)",
			    what, name, v ? "empty" : "not set");
	return dup_to(v, ret, err);
}

int guest_service_name(char *const *envp, char **ret, struct guest_error *err)
{
	return required(envp, "SERVICE_NAME", "service name", ret, err);
}

int guest_container_name(char *const *envp, char **ret,
			 struct guest_error *err)
{
	return required(envp, "CONTAINER_NAME", "container name", ret, err);
}

int guest_container_host_address(char *const *envp, bool as_ip, char **ret,
				 struct guest_error *err)
{
	char *addr = NULL;
	int r = required(envp, "CONTAINER_HOST_ADDRESS",
			 "container host address", &addr, err);
	if (r < 0 || !as_ip) {
		if (r == 0)
			*ret = addr;
		return r;
	}
	struct addrinfo hints = { .ai_family = AF_INET };
	struct addrinfo *res = NULL;
	int g = getaddrinfo(addr, NULL, &hints, &res);
	if (g != 0 || !res) {
		r = fail(err, GUEST_ERR_SYSTEM,
			 "cannot resolve container host address '%s': %s",
			 addr, g == EAI_SYSTEM ? strerror(errno) :
			 g ? gai_strerror(g) : "no address");
		goto out;
	}
	char buf[INET_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
	inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	r = dup_to(buf, ret, err);
out:
	if (res)
		freeaddrinfo(res);
	free(addr);
	return r;
}

int guest_container_internal_address(const char *ifname, char **ret,
				     struct guest_error *err)
{
	if (!ifname)
		ifname = GUEST_DEFAULT_INTERFACE;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	if (!*ifname || strlen(ifname) >= sizeof(ifr.ifr_name))
		return fail(err, GUEST_ERR_INVALID,
			    "invalid network interface name '%s'", ifname);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	ifr.ifr_addr.sa_family = AF_INET;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, GUEST_ERR_SYSTEM,
			    "cannot open a socket to query interface '%s': %s",
			    ifname, strerror(errno));
	int r = ioctl(fd, SIOCGIFADDR, &ifr);
	int e = errno;
	close(fd);
	if (r < 0) {
		if (e == ENODEV)
			return fail(err, GUEST_ERR_SYSTEM,
				    "no network interface '%s'", ifname);
		if (e == EADDRNOTAVAIL)
			return fail(err, GUEST_ERR_SYSTEM,
				    "network interface '%s' has no IPv4 address",
				    ifname);
		return fail(err, GUEST_ERR_SYSTEM,
			    "cannot read the address of interface '%s': %s",
			    ifname, strerror(e));
	}
	struct sockaddr_in sin;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
	return dup_to(buf, ret, err);
}

/*
 * The variable name N(a)_N(b)[_N(c)]SUFFIX, newly allocated, or NULL when
 * out of memory.
 */
static char *link_var(const char *a, const char *b, const char *c,
		      const char *suffix)
{
	char *na = guest_var_name(a), *nb = guest_var_name(b);
	char *nc = c ? guest_var_name(c) : NULL;
	char *out = NULL;
	if (na && nb && (!c || nc)) {
		size_t len = strlen(na) + strlen(nb) + (nc ? strlen(nc) : 0) +
			     strlen(suffix) + 3;
		out = malloc(len);
		if (out)
			snprintf(out, len, "%s_%s%s%s%s", na, nb, nc ? "_" : "",
				 nc ? nc : "", suffix);
	}
	free(na);
	free(nb);
	free(nc);
	return out;
}

int guest_specific_host(char *const *envp, const char *service,
			const char *container, char **ret,
			struct guest_error *err)
{
	char *name = link_var(service, container, NULL, "_HOST");
	if (!name)
		return nomem(err);
	const char *v = guest_env_get(envp, name);
	int r = v ? dup_to(v, ret, err) :
		fail(err, GUEST_ERR_UNSET,
		     "no host defined for container '%s' of service '%s' "
		     "(%s is not set)", container, service, name);
	free(name);
	return r;
}

/* The port variable <SVC>_<CONT>_<PORT><suffix>; `what` is "port" or
 * "internal port" for the message. */
static int port_var(char *const *envp, const char *service,
		    const char *container, const char *port, const char *def,
		    const char *suffix, const char *what, long *ret,
		    struct guest_error *err)
{
	char *name = link_var(service, container, port, suffix);
	if (!name)
		return nomem(err);
	const char *v = guest_env_get(envp, name);
	int r;
	long n;
	if (v) {
		r = guest_parse_int(v, &n);
		if (r < 0)
			fail(err, r, "no %s '%s' defined for container '%s' of "
			     "service '%s' (%s is '%s', not an integer)",
			     what, port, container, service, name, v);
	} else if (def) {
		r = guest_parse_int(def, &n);
		if (r < 0)
			fail(err, r, "no %s '%s' defined for container '%s' of "
			     "service '%s' (%s is not set and the default '%s' "
			     "is not an integer)",
			     what, port, container, service, name, def);
	} else {
		r = fail(err, GUEST_ERR_UNSET, "no %s '%s' defined for "
			 "container '%s' of service '%s' (%s is not set)",
			 what, port, container, service, name);
	}
	if (r == 0)
		*ret = n;
	free(name);
	return r;
}

int guest_specific_port(char *const *envp, const char *service,
			const char *container, const char *port,
			const char *def, long *ret, struct guest_error *err)
{
	return port_var(envp, service, container, port, def, "_PORT", "port",
			ret, err);
}

int guest_specific_exposed_port(char *const *envp, const char *service,
				const char *container, const char *port,
				const char *def, long *ret,
				struct guest_error *err)
{
	return port_var(envp, service, container, port, def, "_INTERNAL_PORT",
			"internal port", ret, err);
}

int guest_port(char *const *envp, const char *name, const char *def,
	       long *ret, struct guest_error *err)
{
	char *service = NULL, *container = NULL;
	int r = guest_service_name(envp, &service, err);
	if (r == 0)
		r = guest_container_name(envp, &container, err);
	if (r == 0)
		r = guest_specific_exposed_port(envp, service, container, name,
						def, ret, err);
	free(service);
	free(container);
	return r;
}

void guest_list_release(struct guest_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Appends `s` (taking ownership) to `l`; frees `s` on failure. */
static int list_push(struct guest_list *l, char *s, struct guest_error *err)
{
	char **v = s ? realloc(l->v, (l->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		return nomem(err);
	}
	v[l->n++] = s;
	l->v = v;
	return GUEST_OK;
}

int guest_instance_names(char *const *envp, const char *service,
			 struct guest_list *ret, struct guest_error *err)
{
	struct guest_list l = { NULL, 0 };
	char *name = guest_var_name(service);
	if (!name)
		return nomem(err);
	size_t len = strlen(name);
	char *key = malloc(len + sizeof("_INSTANCES"));
	if (!key) {
		free(name);
		return nomem(err);
	}
	memcpy(key, name, len);
	memcpy(key + len, "_INSTANCES", sizeof("_INSTANCES"));
	free(name);
	const char *v = guest_env_get(envp, key);
	free(key);
	int r = GUEST_OK;
	while (v && r == 0) {
		const char *comma = strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		r = list_push(&l, strndup(v, n), err);
		v = comma ? comma + 1 : NULL;
	}
	if (r < 0) {
		guest_list_release(&l);
		return r;
	}
	*ret = l;
	return GUEST_OK;
}

/* Appends ":<port>" to *node. */
static int node_add_port(char **node, long port, struct guest_error *err)
{
	size_t len = strlen(*node);
	char *s = realloc(*node, len + 24);
	if (!s)
		return nomem(err);
	snprintf(s + len, 24, ":%ld", port);
	*node = s;
	return GUEST_OK;
}

int guest_node_list(char *const *envp, const char *service,
		    const char *const *ports, size_t nports, long minimum,
		    struct guest_list *ret, struct guest_error *err)
{
	struct guest_list names, nodes = { NULL, 0 };
	int r = guest_instance_names(envp, service, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n && r == 0; i++) {
		char *node = NULL;
		r = guest_specific_host(envp, service, names.v[i], &node, err);
		for (size_t p = 0; p < nports && r == 0; p++) {
			long port;
			r = guest_specific_port(envp, service, names.v[i],
						ports[p], NULL, &port, err);
			if (r == 0)
				r = node_add_port(&node, port, err);
		}
		if (r == 0)
			r = list_push(&nodes, node, err);
		else
			free(node);
	}
	guest_list_release(&names);
	if (r == 0 && (long long)nodes.n < (long long)minimum)
		r = fail(err, GUEST_ERR_NODES,
			 "no or not enough '%s' nodes configured (%zu found, "
			 "at least %ld needed)", service, nodes.n, minimum);
	if (r < 0) {
		guest_list_release(&nodes);
		return r;
	}
	*ret = nodes;
	return GUEST_OK;
}
