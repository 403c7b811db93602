/*
 * maestro-guest.h - what runs inside a container: answers from the
 * environment variables maestro gives every container (spec §3, §8).
 *
 * These are MaestroNG's guestutils functions for programs that have no
 * Python: the environment name, the service and container names, the
 * host's address, the container's own eth0 address, a port by name, and
 * the hosts and ports of other containers, read from the variables
 * CONTAINER_NAME, SERVICE_NAME, MAESTRO_ENVIRONMENT_NAME,
 * CONTAINER_HOST_ADDRESS, <SVC>_INSTANCES, <SVC>_<CONT>_HOST,
 * <SVC>_<CONT>_<PORT>_PORT and <SVC>_<CONT>_<PORT>_INTERNAL_PORT.
 *
 * The library uses nothing but libc (it is built static against musl for
 * the maestro-guest program).  It never prints and never exits.
 *
 * Conventions:
 * - `envp` is the environment to read: a NULL-terminated array of
 *   "NAME=value" strings, or NULL for the process's own environment.  When
 *   a name occurs twice the first one counts (as getenv() and Python's
 *   os.environ do).  This replaces guestutils' update_os_env(): pass the
 *   array you want read.
 * - Fallible functions return 0 or a negative enum guest_status, and fill
 *   the optional `err` (last argument) with a one-line message in the
 *   style of maestro's diagnostics (lowercase, subjects in quotes).
 * - Strings returned through `char **ret` are newly allocated; the caller
 *   free()s them.  They are written only on success.
 * - Ports are converted as Python's int() converts a string: optional
 *   ASCII whitespace around, an optional sign, decimal digits with single
 *   underscores between them ("1234-1236", a port range, is an error).
 */
#ifndef MAESTRO_GUEST_H
#define MAESTRO_GUEST_H

#include <stdbool.h>
#include <stddef.h>

enum guest_status {
	GUEST_OK = 0,
	GUEST_ERR_UNSET = -1,     /* a variable is missing and there is no default */
	GUEST_ERR_NOT_INT = -2,   /* a port (or its default) is not an integer */
	GUEST_ERR_NODES = -3,     /* fewer nodes than the minimum asked for */
	GUEST_ERR_SYSTEM = -4,    /* name resolution or an interface query failed */
	GUEST_ERR_NOMEM = -5,     /* out of memory */
	GUEST_ERR_INVALID = -6,   /* a bad argument (an interface name too long) */
};

#define GUEST_ERROR_MAX 1024

/* Why a call failed: the status again and the message. */
struct guest_error {
	int code;
	char msg[GUEST_ERROR_MAX];
};

/* The default interface of guest_container_internal_address(). */
#define GUEST_DEFAULT_INTERFACE "eth0"

/*
 * The value of `name` in `envp`, or NULL when it is not set.  Borrowed
 * from `envp` (or the process environment): do not free it.
 */
const char *guest_env_get(char *const *envp, const char *name);

/*
 * MaestroNG's name normalisation (spec §3.2), re.sub(r'[^\w]', '_', s)
 * .upper(): every character that is not a word character becomes '_' and
 * letters are upper-cased ("zk-node-1" -> "ZK_NODE_1").  Exact as Python 3
 * for ASCII and Latin-1 (U+00DF becomes "SS"); characters beyond U+00FF
 * are kept as they are, and each byte of invalid UTF-8 becomes '_' - the
 * same rule as maestro's own normalisation (schema/env.c).  Returns a new
 * string, or NULL when out of memory.
 */
char *guest_var_name(const char *s);

/*
 * Converts `s` as Python's int() converts a string (see above) into
 * *ret.  Returns 0, or GUEST_ERR_NOT_INT (also for a value beyond the range
 * of long).  Does not fill an error: callers say what the value was.
 */
int guest_parse_int(const char *s, long *ret);

/* MAESTRO_ENVIRONMENT_NAME, or "local" when it is not set. */
int guest_environment_name(char *const *envp, char **ret,
			   struct guest_error *err);

/* SERVICE_NAME; GUEST_ERR_UNSET when it is missing or empty. */
int guest_service_name(char *const *envp, char **ret, struct guest_error *err);

/* CONTAINER_NAME; GUEST_ERR_UNSET when it is missing or empty. */
int guest_container_name(char *const *envp, char **ret,
			 struct guest_error *err);

/*
 * CONTAINER_HOST_ADDRESS (GUEST_ERR_UNSET when missing or empty).  With
 * `as_ip`, the name is resolved to an IPv4 address as gethostbyname()
 * does (an address is returned as it is); GUEST_ERR_SYSTEM when it does
 * not resolve.
 */
int guest_container_host_address(char *const *envp, bool as_ip, char **ret,
				 struct guest_error *err);

/*
 * The IPv4 address of network interface `ifname` (NULL means "eth0"), as
 * dotted quad.  GUEST_ERR_SYSTEM when the interface does not exist or has
 * no IPv4 address.
 */
int guest_container_internal_address(const char *ifname, char **ret,
				     struct guest_error *err);

/*
 * The host of container `container` of service `service`: the variable
 * <SVC>_<CONT>_HOST.  GUEST_ERR_UNSET when it is not set.
 */
int guest_specific_host(char *const *envp, const char *service,
			const char *container, char **ret,
			struct guest_error *err);

/*
 * The external port named `port` of a container of a service: the
 * variable <SVC>_<CONT>_<PORT>_PORT as an integer, or `def` (a string
 * converted the same way) when the variable is not set and `def` is not
 * NULL.  GUEST_ERR_UNSET when neither is there, GUEST_ERR_NOT_INT when the
 * value used is not an integer (a port range).
 */
int guest_specific_port(char *const *envp, const char *service,
			const char *container, const char *port,
			const char *def, long *ret, struct guest_error *err);

/* As guest_specific_port(), for <SVC>_<CONT>_<PORT>_INTERNAL_PORT. */
int guest_specific_exposed_port(char *const *envp, const char *service,
				const char *container, const char *port,
				const char *def, long *ret,
				struct guest_error *err);

/*
 * The exposed (internal) port named `name` of this container:
 * guest_specific_exposed_port() of SERVICE_NAME and CONTAINER_NAME (which
 * must be set).
 */
int guest_port(char *const *envp, const char *name, const char *def,
	       long *ret, struct guest_error *err);

/* A list of newly allocated strings; guest_list_release() frees them. */
struct guest_list {
	char **v;
	size_t n;
};

void guest_list_release(struct guest_list *l);

/*
 * The instance names of `service`: <SVC>_INSTANCES split on ',' (maestro
 * writes them sorted).  An empty list when the variable is not set; an
 * empty value gives one empty name, as Python's split does.
 */
int guest_instance_names(char *const *envp, const char *service,
			 struct guest_list *ret, struct guest_error *err);

/*
 * The nodes of `service`: for each instance, in order, its host followed
 * by ":<external port>" for each of the `nports` port names.
 * GUEST_ERR_NODES when there are fewer than `minimum` nodes; any error of
 * guest_specific_host() or guest_specific_port() (no default) otherwise.
 */
int guest_node_list(char *const *envp, const char *service,
		    const char *const *ports, size_t nports, long minimum,
		    struct guest_list *ret, struct guest_error *err);

#endif
