/*
 * main.c - the maestro-guest command: one subcommand per guest function
 * of MaestroNG (spec §8), printing plain values for shell entrypoints.
 *
 *   ZK=$(maestro-guest node-list zookeeper client)
 *
 * Exit status: 0 with the answer on stdout; 1 where the Python function
 * would raise (the message on stderr); 2 for a usage error.  Nothing but
 * libc: this file is linked static against musl.
 */
#include "maestro-guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MAESTRO_VERSION
#define MAESTRO_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_RAISED = 1, EXIT_USAGE = 2 };

/* The options a subcommand accepts (a bit set). */
enum {
	OPT_IP = 1 << 0,        /* --ip */
	OPT_INTERFACE = 1 << 1, /* --interface IF */
	OPT_MINIMUM = 1 << 2,   /* -m, --minimum N */
	OPT_LIST = 1 << 3,      /* --separator SEP, --lines */
};

struct args {
	const char **pos; /* positional arguments */
	int npos;
	bool ip;
	const char *interface;
	const char *minimum;
	const char *separator;
	bool lines;
};

struct subcommand {
	const char *name;
	const char *python; /* the guestutils function it stands for */
	const char *usage;  /* after "maestro-guest NAME" */
	const char *summary;
	const char *help;   /* options and details, or NULL */
	int min_pos, max_pos; /* max_pos -1: any number */
	unsigned opts;
	int (*run)(const struct subcommand *sc, struct args *a);
};

static void print_error(const char *msg)
{
	fprintf(stderr, "maestro-guest: error: %s\n", msg);
}

static int usage_error(const struct subcommand *sc, const char *fmt,
		       const char *what)
{
	fputs("maestro-guest: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	if (sc) {
		fprintf(stderr, "usage: maestro-guest %s%s%s\n", sc->name,
			*sc->usage ? " " : "", sc->usage);
		fprintf(stderr, "Try 'maestro-guest %s --help'.\n", sc->name);
	} else {
		fputs("Try 'maestro-guest --help'.\n", stderr);
	}
	return EXIT_USAGE;
}

/* Prints a string answer and frees it, or the error. */
static int answer_str(int r, char *value, const struct guest_error *err)
{
	if (r < 0) {
		print_error(err->msg);
		return EXIT_RAISED;
	}
	printf("%s\n", value);
	free(value);
	return EXIT_OK;
}

static int answer_long(int r, long value, const struct guest_error *err)
{
	if (r < 0) {
		print_error(err->msg);
		return EXIT_RAISED;
	}
	printf("%ld\n", value);
	return EXIT_OK;
}

static int answer_list(int r, struct guest_list *l, const struct args *a,
		       const struct guest_error *err)
{
	if (r < 0) {
		print_error(err->msg);
		return EXIT_RAISED;
	}
	const char *sep = a->separator ? a->separator : ",";
	for (size_t i = 0; i < l->n; i++) {
		if (a->lines)
			printf("%s\n", l->v[i]);
		else
			printf("%s%s", i ? sep : "", l->v[i]);
	}
	if (!a->lines)
		putchar('\n');
	guest_list_release(l);
	return EXIT_OK;
}

/* The three answers that are a variable of this container's own. */
static int answer_name(int (*get)(char *const *envp, char **ret,
				  struct guest_error *err))
{
	struct guest_error err;
	char *v = NULL;
	int r = get(NULL, &v, &err);
	return answer_str(r, v, &err);
}

static int run_environment_name(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	(void)a;
	return answer_name(guest_environment_name);
}

static int run_service_name(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	(void)a;
	return answer_name(guest_service_name);
}

static int run_container_name(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	(void)a;
	return answer_name(guest_container_name);
}

static int run_host_address(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	char *v = NULL;
	int r = guest_container_host_address(NULL, a->ip, &v, &err);
	return answer_str(r, v, &err);
}

static int run_internal_address(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	char *v = NULL;
	int r = guest_container_internal_address(a->interface, &v, &err);
	return answer_str(r, v, &err);
}

static const char *opt_pos(const struct args *a, int i)
{
	return i < a->npos ? a->pos[i] : NULL;
}

static int run_port(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	long v = 0;
	int r = guest_port(NULL, a->pos[0], opt_pos(a, 1), &v, &err);
	return answer_long(r, v, &err);
}

static int run_specific_host(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	char *v = NULL;
	int r = guest_specific_host(NULL, a->pos[0], a->pos[1], &v, &err);
	return answer_str(r, v, &err);
}

static int run_specific_port(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	long v = 0;
	int r = guest_specific_port(NULL, a->pos[0], a->pos[1], a->pos[2],
				    opt_pos(a, 3), &v, &err);
	return answer_long(r, v, &err);
}

static int run_specific_exposed_port(const struct subcommand *sc,
				     struct args *a)
{
	(void)sc;
	struct guest_error err;
	long v = 0;
	int r = guest_specific_exposed_port(NULL, a->pos[0], a->pos[1],
					    a->pos[2], opt_pos(a, 3), &v, &err);
	return answer_long(r, v, &err);
}

static int run_node_list(const struct subcommand *sc, struct args *a)
{
	long minimum = 1;
	if (a->minimum && guest_parse_int(a->minimum, &minimum) < 0)
		return usage_error(sc, "the minimum '%s' is not an integer",
				   a->minimum);
	struct guest_error err;
	struct guest_list l = { NULL, 0 };
	int r = guest_node_list(NULL, a->pos[0], a->pos + 1,
				(size_t)(a->npos - 1), minimum, &l, &err);
	return answer_list(r, &l, a, &err);
}

static int run_instances(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	struct guest_error err;
	struct guest_list l = { NULL, 0 };
	int r = guest_instance_names(NULL, a->pos[0], &l, &err);
	return answer_list(r, &l, a, &err);
}

static int run_var_name(const struct subcommand *sc, struct args *a)
{
	(void)sc;
	char *v = guest_var_name(a->pos[0]);
	if (!v) {
		print_error("out of memory");
		return EXIT_RAISED;
	}
	printf("%s\n", v);
	free(v);
	return EXIT_OK;
}

static const char list_help[] =
	"  -s, --separator SEP  put SEP between the values (default ',')\n"
	"  -l, --lines          print one value per line instead\n";

static const struct subcommand subcommands[] = {
	{ "environment-name", "get_environment_name()", "",
	  "MAESTRO_ENVIRONMENT_NAME, or 'local' when unset",
	  NULL, 0, 0, 0, run_environment_name },
	{ "service-name", "get_service_name()", "",
	  "this container's service name: SERVICE_NAME", NULL, 0, 0, 0,
	  run_service_name },
	{ "container-name", "get_container_name()", "",
	  "this container's name: CONTAINER_NAME", NULL, 0, 0, 0,
	  run_container_name },
	{ "container-host-address",
	  "get_container_host_address(as_ip_address)", "[--ip]",
	  "the address of its host: CONTAINER_HOST_ADDRESS",
	  "  --ip   resolve it to an IPv4 address (as gethostbyname)\n",
	  0, 0, OPT_IP, run_host_address },
	{ "container-internal-address", "get_container_internal_address()",
	  "[--interface IF]",
	  "this container's own IPv4 address (of eth0)",
	  "  --interface IF   another interface than eth0\n",
	  0, 0, OPT_INTERFACE, run_internal_address },
	{ "port", "get_port(name, default)", "NAME [DEFAULT]",
	  "this container's exposed port called NAME",
	  "The variable is <SVC>_<CONT>_<NAME>_INTERNAL_PORT, where SVC and CONT\n"
	  "come from SERVICE_NAME and CONTAINER_NAME.  DEFAULT is printed when\n"
	  "the variable is not set; without one, that is an error.\n",
	  1, 2, 0, run_port },
	{ "specific-host", "get_specific_host(service, container)",
	  "SERVICE CONTAINER",
	  "the host of a container: <SVC>_<CONT>_HOST",
	  NULL, 2, 2, 0, run_specific_host },
	{ "specific-port",
	  "get_specific_port(service, container, port, default)",
	  "SERVICE CONTAINER PORT [DEFAULT]",
	  "a container's port: <SVC>_<CONT>_<PORT>_PORT",
	  "DEFAULT is printed when the variable is not set; without one, that\n"
	  "is an error.\n",
	  3, 4, 0, run_specific_port },
	{ "specific-exposed-port",
	  "get_specific_exposed_port(service, container, port, default)",
	  "SERVICE CONTAINER PORT [DEFAULT]",
	  "a container's exposed port: ..._INTERNAL_PORT",
	  "maestro sets these only for the containers of this container's own\n"
	  "service.  DEFAULT is printed when the variable is not set; without\n"
	  "one, that is an error.\n",
	  3, 4, 0, run_specific_exposed_port },
	{ "node-list", "get_node_list(service, ports, minimum)",
	  "SERVICE [PORT...] [-m N] [-s SEP | -l]",
	  "host[:port...] of each instance of a service",
	  "Each node is the instance's <SVC>_<CONT>_HOST followed by ':' and its\n"
	  "external port for each PORT named, for every instance listed in\n"
	  "<SVC>_INSTANCES.\n"
	  "  -m, --minimum N      fail unless there are at least N nodes (default 1)\n",
	  1, -1, OPT_MINIMUM | OPT_LIST, run_node_list },
	{ "instances", "_get_service_instance_names(service)",
	  "SERVICE [-s SEP | -l]",
	  "the instances of a service: <SVC>_INSTANCES",
	  "Nothing (an empty line) when the variable is not set.\n",
	  1, 1, OPT_LIST, run_instances },
	{ "var-name", "_to_env_var_name(name)", "NAME",
	  "NAME as in variable names (zk-1 -> ZK_1)",
	  NULL, 1, 1, 0, run_var_name },
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void print_help(void)
{
	fputs("usage: maestro-guest COMMAND [ARGS...]\n"
	      "       maestro-guest COMMAND --help\n"
	      "       maestro-guest --version\n\n"
	      "Answers, from the environment maestro gives each container, the\n"
	      "questions an entrypoint asks (MaestroNG's guestutils functions):\n\n"
	      "    ZK=$(maestro-guest node-list zookeeper client)\n\n"
	      "Commands:\n", stdout);
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		printf("  %-27s %s\n", subcommands[i].name,
		       subcommands[i].summary);
	fputs("\nExit status: 0 with the answer on stdout, 1 when the answer is not\n"
	      "in the environment (the reason on stderr), 2 for a usage error.\n",
	      stdout);
}

static void print_command_help(const struct subcommand *sc)
{
	printf("usage: maestro-guest %s%s%s\n\n%s\n(MaestroNG: guestutils.%s)\n",
	       sc->name, *sc->usage ? " " : "", sc->usage, sc->summary,
	       sc->python);
	if (sc->help || (sc->opts & OPT_LIST))
		putchar('\n');
	if (sc->help)
		fputs(sc->help, stdout);
	if (sc->opts & OPT_LIST)
		fputs(list_help, stdout);
}

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++) {
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	}
	return NULL;
}

/* "-5" is a value (a default port), not an option. */
static bool is_option(const char *s)
{
	return s[0] == '-' && s[1] && !(s[1] >= '0' && s[1] <= '9');
}

/*
 * Matches option `arg` against the long name `lng` (and short `shrt`, or
 * NULL); a value comes from "--name=VALUE" or from the next argument.
 * Returns 1 on a match (with *val set when `want_value`), 0 when it is
 * another option, -1 for a missing value.
 */
static int match_opt(int argc, char **argv, int *i, const char *lng,
		     const char *shrt, bool want_value, const char **val)
{
	const char *arg = argv[*i];
	size_t n = strlen(lng);
	if (strcmp(arg, lng) == 0 || (shrt && strcmp(arg, shrt) == 0)) {
		if (!want_value)
			return 1;
		if (*i + 1 >= argc)
			return -1;
		*val = argv[++*i];
		return 1;
	}
	if (want_value && strncmp(arg, lng, n) == 0 && arg[n] == '=') {
		*val = arg + n + 1;
		return 1;
	}
	return 0;
}

static int parse_args(const struct subcommand *sc, int argc, char **argv,
		      struct args *a)
{
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (options_done || !is_option(arg)) {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		int m = 0;
		if ((sc->opts & OPT_IP) &&
		    (m = match_opt(argc, argv, &i, "--ip", NULL, false, NULL)))
			a->ip = true;
		else if ((sc->opts & OPT_INTERFACE) &&
			 (m = match_opt(argc, argv, &i, "--interface", NULL,
					true, &a->interface)))
			;
		else if ((sc->opts & OPT_MINIMUM) &&
			 (m = match_opt(argc, argv, &i, "--minimum", "-m",
					true, &a->minimum)))
			;
		else if ((sc->opts & OPT_LIST) &&
			 (m = match_opt(argc, argv, &i, "--separator", "-s",
					true, &a->separator)))
			;
		else if ((sc->opts & OPT_LIST) &&
			 (m = match_opt(argc, argv, &i, "--lines", "-l", false,
					NULL)))
			a->lines = true;
		if (m < 0)
			return usage_error(sc, "option '%s' needs a value", arg);
		if (m == 0)
			return usage_error(sc, "unknown option '%s'", arg);
	}
	if (a->separator && a->lines)
		return usage_error(sc, "%s", "--separator and --lines exclude "
				   "each other");
	if (a->npos < sc->min_pos)
		return usage_error(sc, "%s", "missing argument");
	if (sc->max_pos >= 0 && a->npos > sc->max_pos)
		return usage_error(sc, "unexpected argument '%s'",
				   a->pos[sc->max_pos]);
	return EXIT_OK;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "%s", "missing command");
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		if (strcmp(cmd, "help") == 0 && argc > 2) {
			const struct subcommand *sc = find_subcommand(argv[2]);
			if (!sc)
				return usage_error(NULL, "unknown command '%s'",
						   argv[2]);
			print_command_help(sc);
			return EXIT_OK;
		}
		print_help();
		return EXIT_OK;
	}
	if (strcmp(cmd, "-v") == 0 || strcmp(cmd, "--version") == 0) {
		printf("maestro-guest %s\n", MAESTRO_VERSION);
		return EXIT_OK;
	}
	const struct subcommand *sc = find_subcommand(cmd);
	if (!sc) {
		if (is_option(cmd))
			return usage_error(NULL, "unknown option '%s'", cmd);
		return usage_error(NULL, "unknown command '%s'", cmd);
	}
	if (wants_help(argc - 1, argv + 1)) {
		print_command_help(sc);
		return EXIT_OK;
	}
	const char **pos = calloc((size_t)argc, sizeof(*pos));
	if (!pos) {
		print_error("out of memory");
		return EXIT_RAISED;
	}
	struct args a = { .pos = pos };
	int rc = parse_args(sc, argc - 1, argv + 1, &a);
	if (rc == EXIT_OK)
		rc = sc->run(sc, &a);
	free(pos);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		print_error("cannot write the answer to standard output");
		rc = EXIT_RAISED;
	}
	return rc;
}
