/*
 * cli-args.c - the option parser (cli-args.h): one walk over argv against
 * a command's declaration, the shared flags' table and their value
 * syntax, and --help made from the same tables.  Prints usage errors on
 * stderr; decides nothing else.
 */
#include "cli-args.h"
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Limits on values: what a plan could still carry out. */
#define MAX_COUNT 100000u         /* -c, --ship-concurrency, --batch N */
#define MAX_DELAY_MS (86400000u)  /* --step-delay, --stop-start-delay: a day */

static const struct cli_option shared[CLI_OPT_NSHARED] = {
	[CLI_OPT_JSON] = { "json", 0, NULL, "print JSON instead of text" },
	[CLI_OPT_DOT] = { "dot", 0, NULL, "print a Graphviz digraph" },
	[CLI_OPT_WITH_DEPS] = { "with-dependencies", 'd', NULL,
		"add what the selection depends on (stop, kill, restart: "
		"what depends on it)" },
	[CLI_OPT_IGNORE_DEPS] = { "ignore-dependencies", 'i', NULL,
		"no dependencies added, and no ordering between containers" },
	[CLI_OPT_CONTAINER_FILTER] = { "container-filter", 'C', "GLOB",
		"only containers whose name matches GLOB" },
	[CLI_OPT_SHIP_FILTER] = { "ship-filter", 'S', "GLOB",
		"only containers on ships whose name matches GLOB" },
	[CLI_OPT_EXPAND] = { "expand-services", 's', NULL,
		"a service stands for all its instances" },
	[CLI_OPT_ALL] = { "all", 'a', NULL,
		"no THING means every service (implies -s)" },
	[CLI_OPT_REFRESH] = { "refresh-images", 'r', NULL,
		"pull the images again first" },
	[CLI_OPT_REUSE] = { "reuse", 0, NULL,
		"start the existing container instead of a new one" },
	[CLI_OPT_ONLY_IF_CHANGED] = { "only-if-changed", 0, NULL,
		"restart only containers whose image changed" },
	[CLI_OPT_STEP_DELAY] = { "step-delay", 0, "S",
		"wait S seconds between two containers' restarts" },
	[CLI_OPT_STOP_START_DELAY] = { "stop-start-delay", 0, "S",
		"wait S seconds between a container's stop and start" },
	[CLI_OPT_BATCH] = { "batch", 0, "N|N%",
		"restart N containers (N% of them) at a time" },
	[CLI_OPT_NO_RECREATE] = { "no-recreate", 0, NULL,
		"leave running containers alone even when they drift" },
	[CLI_OPT_RECREATE_UNMANAGED] = { "recreate-unmanaged", 0, NULL,
		"replace running containers that carry no maestro labels" },
	[CLI_OPT_ORPHANS] = { "orphans", 0, NULL,
		"also remove this environment's containers the description "
		"no longer has" },
	[CLI_OPT_OFFLINE] = { "offline", 0, NULL,
		"contact no ship: assume what the action starts from" },
	[CLI_OPT_CONCURRENCY] = { "concurrency", 'c', "N",
		"at most N steps at once (0: no limit, the default)" },
	[CLI_OPT_SHIP_CONCURRENCY] = { "ship-concurrency", 0, "N",
		"at most N steps at once on one ship (0: no limit)" },
	[CLI_OPT_KEEP_GOING] = { "keep-going", 0, NULL,
		"after a failure, still run what does not depend on it" },
	[CLI_OPT_BREAK_LOCK] = { "break-lock", 0, NULL,
		"take the apply lock from a holder that is gone" },
};

/* The options of `maestro` itself, before the command. */
enum { G_FILE, G_STATE, G_DEBUG, G_NO_COLOR, G_VERSION, G_HELP };
static const struct cli_option global_options[] = {
	[G_FILE] = { "file", 'f', "FILE", "the environment description (default "
		"maestro.yaml; '-' reads standard input)" },
	[G_STATE] = { "state", 0, "DB", "the state database (default "
		"$MAESTRO_STATE, else .maestro/state.db beside the "
		"description)" },
	[G_DEBUG] = { "debug", 0, NULL, "trace API calls and timings on stderr" },
	[G_NO_COLOR] = { "no-color", 0, NULL, "never colour the output" },
	[G_VERSION] = { "version", 'v', NULL, "print the version" },
	[G_HELP] = { "help", 'h', NULL, "this help" },
	{ NULL, 0, NULL, NULL },
};

const char *cli_opt_name(enum cli_opt_id id)
{
	return (unsigned)id < CLI_OPT_NSHARED ? shared[id].name : NULL;
}

/*
 * One parse: the options in reach (own table, shared mask), where the
 * operands go, and how to name the command in messages.
 */
struct parser {
	const struct cli_option *own; /* {0}-terminated, or NULL */
	uint64_t mask;                /* shared options accepted */
	const struct cli_command *cmd; /* NULL for the global options */
	bool stop_at_operand;         /* the global options end at the command */
	/* what an option was spelled as, for messages ("-c", "--batch") */
	char spelled[64];
};

static int usage_error(const struct parser *p, const char *fmt, ...)
	MAE_PRINTF(2, 3);

static int usage_error(const struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmessage("maestro: ", fmt, ap);
	va_end(ap);
	if (p->cmd) {
		char *usage = cli_usage_text(p->cmd);
		fputs(usage, stderr);
		free(usage);
		fprintf(stderr, "Try 'maestro %s --help'.\n", p->cmd->name);
	} else {
		fputs("Try 'maestro --help'.\n", stderr);
	}
	return CLI_EXIT_USAGE;
}

/* An option in reach: own index >= 0, or shared -(id + 1). */
struct found {
	const struct cli_option *o;
	int own;           /* index in the own table, or -1 */
	enum cli_opt_id id; /* when own < 0 */
};

static bool find_long(const struct parser *p, const char *name, size_t n,
		      struct found *f)
{
	for (int i = 0; p->own && p->own[i].help; i++) {
		const char *ln = p->own[i].name;
		if (ln && strlen(ln) == n && memcmp(ln, name, n) == 0) {
			*f = (struct found){ &p->own[i], i, 0 };
			return true;
		}
	}
	for (int id = 0; id < CLI_OPT_NSHARED; id++) {
		if (!(p->mask & (UINT64_C(1) << id)))
			continue;
		const char *ln = shared[id].name;
		if (strlen(ln) == n && memcmp(ln, name, n) == 0) {
			*f = (struct found){ &shared[id], -1, (enum cli_opt_id)id };
			return true;
		}
	}
	return false;
}

static bool find_letter(const struct parser *p, char c, struct found *f)
{
	for (int i = 0; p->own && p->own[i].help; i++) {
		if (p->own[i].letter == c) {
			*f = (struct found){ &p->own[i], i, 0 };
			return true;
		}
	}
	for (int id = 0; id < CLI_OPT_NSHARED; id++) {
		if ((p->mask & (UINT64_C(1) << id)) && shared[id].letter == c) {
			*f = (struct found){ &shared[id], -1, (enum cli_opt_id)id };
			return true;
		}
	}
	return false;
}

/* The closest long option in reach, for "did you mean". */
static const char *suggest_long(const struct parser *p, const char *word)
{
	const char *names[CLI_OPT_NSHARED + 32];
	size_t n = 0;
	for (int i = 0; p->own && p->own[i].help && n < 32; i++)
		if (p->own[i].name)
			names[n++] = p->own[i].name;
	for (int id = 0; id < CLI_OPT_NSHARED; id++)
		if (p->mask & (UINT64_C(1) << id))
			names[n++] = shared[id].name;
	return mae_suggest(word, names, n);
}

/* The global option arg names (as "-f FILE"), or NULL. */
static const struct cli_option *global_option(const char *arg)
{
	const struct parser gp = { global_options, 0, NULL, true, "" };
	struct found f;
	bool found;
	if (arg[1] == '-')
		found = find_long(&gp, arg + 2, strcspn(arg + 2, "="), &f);
	else
		found = find_letter(&gp, arg[1], &f);
	return found ? f.o : NULL;
}

static int unknown_option(const struct parser *p, const char *arg,
			  size_t len)
{
	char shown[64];
	snprintf(shown, sizeof(shown), "%.*s", (int)(len < 60 ? len : 60), arg);
	const struct cli_option *g = p->cmd ? global_option(shown) : NULL;
	if (g) {
		char *spelled = strchr(shown, '=');
		if (spelled)
			*spelled = '\0';
		return usage_error(p, "'%s' is an option of maestro itself: give it "
				   "before the command, as 'maestro %s%s%s %s'",
				   shown, shown, g->metavar ? " " : "",
				   g->metavar ? g->metavar : "", p->cmd->name);
	}
	const char *hint = NULL;
	if (shown[1] == '-')
		hint = suggest_long(p, shown + 2);
	if (hint)
		return usage_error(p, "unknown option '%s' (did you mean '--%s'?)",
				   shown, hint);
	return usage_error(p, "unknown option '%s'", shown);
}

/* A decimal integer in [min, max], no sign, no spaces. */
static bool uint_value(const char *s, unsigned min, unsigned max,
		       unsigned *ret)
{
	unsigned long v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*ret = (unsigned)v;
	return true;
}

static int bad_count(const struct parser *p, const char *value,
		     unsigned min, unsigned max)
{
	return usage_error(p, "option '%s' needs a whole number from %u to %u, "
			   "not '%.40s%s'", p->spelled, min, max, value,
			   strlen(value) > 40 ? "..." : "");
}

int cli_parse_uint(const struct cli_command *cmd, const char *opt,
		   const char *value, unsigned min, unsigned max,
		   unsigned *ret)
{
	struct parser p = { cmd->options, cmd->shared, cmd, false, "" };
	snprintf(p.spelled, sizeof(p.spelled), "%s", opt);
	if (!uint_value(value, min, max, ret))
		return bad_count(&p, value, min, max);
	return 0;
}

/* Seconds with up to three decimals ("1", "0.5", "2.125"), to ms. */
static int parse_delay(const struct parser *p, const char *value,
		       uint64_t *ret)
{
	const char *s = value;
	uint64_t ms = 0;
	int decimals = -1;
	if (!*s || *s == '.')
		goto bad;
	for (; *s; s++) {
		if (*s == '.' && decimals < 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals == 3)
			goto bad;
		if (decimals >= 0)
			decimals++;
		ms = ms * 10 + (uint64_t)(*s - '0');
		if (ms > (uint64_t)MAX_DELAY_MS * 1000)
			goto bad;
	}
	if (decimals == 0)
		goto bad; /* "1." */
	for (int d = decimals < 0 ? 0 : decimals; d < 3; d++)
		ms *= 10;
	if (ms > MAX_DELAY_MS)
		goto bad;
	*ret = ms;
	return 0;
bad:
	return usage_error(p, "option '%s' needs seconds from 0 to %u, with at "
			   "most three decimals, not '%.40s%s'", p->spelled,
			   MAX_DELAY_MS / 1000, value,
			   strlen(value) > 40 ? "..." : "");
}

static int parse_count(const struct parser *p, const char *value,
		       unsigned min, unsigned max, unsigned *ret)
{
	if (!uint_value(value, min, max, ret))
		return bad_count(p, value, min, max);
	return 0;
}

static int set_shared(const struct parser *p, struct cli_args *a,
		      enum cli_opt_id id, const char *v)
{
	a->given |= UINT64_C(1) << id;
	switch (id) {
	case CLI_OPT_JSON: a->json = true; break;
	case CLI_OPT_DOT: a->dot = true; break;
	case CLI_OPT_WITH_DEPS: a->with_dependencies = true; break;
	case CLI_OPT_IGNORE_DEPS: a->ignore_dependencies = true; break;
	case CLI_OPT_CONTAINER_FILTER: a->container_filter = v; break;
	case CLI_OPT_SHIP_FILTER: a->ship_filter = v; break;
	case CLI_OPT_EXPAND: a->expand_services = true; break;
	case CLI_OPT_ALL: a->all = a->expand_services = true; break;
	case CLI_OPT_REFRESH: a->refresh_images = true; break;
	case CLI_OPT_REUSE: a->reuse = true; break;
	case CLI_OPT_ONLY_IF_CHANGED: a->only_if_changed = true; break;
	case CLI_OPT_STEP_DELAY:
		return parse_delay(p, v, &a->step_delay_ms);
	case CLI_OPT_STOP_START_DELAY:
		return parse_delay(p, v, &a->stop_start_delay_ms);
	case CLI_OPT_BATCH: {
		size_t n = strlen(v);
		bool pct = n > 0 && v[n - 1] == '%';
		char num[16];
		if (n - pct >= sizeof(num) || n - pct == 0)
			return usage_error(p, "option '%s' needs N or N%%, "
					   "not '%.40s'", p->spelled, v);
		memcpy(num, v, n - pct);
		num[n - pct] = '\0';
		a->batch_percent = pct;
		return parse_count(p, num, 1, pct ? 100 : MAX_COUNT, &a->batch);
	}
	case CLI_OPT_NO_RECREATE: a->no_recreate = true; break;
	case CLI_OPT_RECREATE_UNMANAGED: a->recreate_unmanaged = true; break;
	case CLI_OPT_ORPHANS: a->orphans = true; break;
	case CLI_OPT_OFFLINE: a->offline = true; break;
	case CLI_OPT_CONCURRENCY:
		return parse_count(p, v, 0, MAX_COUNT, &a->concurrency);
	case CLI_OPT_SHIP_CONCURRENCY:
		return parse_count(p, v, 0, MAX_COUNT, &a->ship_concurrency);
	case CLI_OPT_KEEP_GOING: a->keep_going = true; break;
	case CLI_OPT_BREAK_LOCK: a->break_lock = true; break;
	case CLI_OPT_NSHARED:
	case CLI_OPT_OWN:
		break;
	}
	return 0;
}

static int set_option(struct parser *p, struct cli_args *a,
		      const struct found *f, const char *value)
{
	if (f->own >= 0) {
		a->own[f->own] = value ? value : "";
		return 0;
	}
	return set_shared(p, a, f->id, value);
}

static void spell(struct parser *p, const char *prefix, const char *name,
		  size_t n)
{
	snprintf(p->spelled, sizeof(p->spelled), "%s%.*s", prefix,
		 (int)(n < 50 ? n : 50), name);
}

/*
 * Set option f: with value, or (one that takes a value, none attached)
 * the next argument, which *i then skips.
 */
static int take(struct parser *p, struct cli_args *a, const struct found *f,
		const char *value, int argc, char **argv, int *i)
{
	if (f->o->metavar && !value) {
		if (*i + 1 >= argc)
			return usage_error(p, "option '%s' needs a value (%s)",
					   p->spelled, f->o->metavar);
		value = argv[++*i];
	}
	return set_option(p, a, f, value);
}

/*
 * The walk.  Operands go to a->operands (or, with stop_at_operand, end
 * the walk: *ret_next is the operand's index).
 */
static int walk(struct parser *p, int argc, char **argv, struct cli_args *a,
		int *ret_next)
{
	bool options = true;
	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (!options || arg[0] != '-' || arg[1] == '\0') {
			if (p->stop_at_operand)
				break;
			a->operands[a->noperands++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			if (p->stop_at_operand) {
				i++;
				break;
			}
			options = false;
			continue;
		}
		struct found f;
		if (arg[1] == '-') {
			const char *name = arg + 2;
			size_t n = strcspn(name, "=");
			const char *value = name[n] == '=' ? name + n + 1 : NULL;
			spell(p, "--", name, n);
			if (!find_long(p, name, n, &f)) {
				if (n == 4 && memcmp(name, "help", 4) == 0)
					return CLI_ARGS_HELP;
				return unknown_option(p, arg, n + 2);
			}
			if (!f.o->metavar && value)
				return usage_error(p, "option '%s' takes no value",
						   p->spelled);
			int rc = take(p, a, &f, value, argc, argv, &i);
			if (rc)
				return rc;
			continue;
		}
		/* one or more letters, the last may take a value */
		for (const char *c = arg + 1; *c; c++) {
			spell(p, "-", c, 1);
			if (!find_letter(p, *c, &f)) {
				if (*c == 'h')
					return CLI_ARGS_HELP;
				return unknown_option(p, p->spelled, 2);
			}
			/* the rest of the word is the value, if it takes one */
			const char *value = f.o->metavar && c[1] ? c + 1 : NULL;
			int rc = take(p, a, &f, value, argc, argv, &i);
			if (rc)
				return rc;
			if (f.o->metavar)
				break;
		}
	}
	if (ret_next)
		*ret_next = i;
	return 0;
}

int cli_args_parse(const struct cli_command *cmd, int argc, char **argv,
		   struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	a->operands = mae_xcalloc((size_t)(argc > 0 ? argc : 1),
				  sizeof(*a->operands));
	/* help wins over any mistake around it (`--nope --help`) */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return CLI_ARGS_HELP;
	struct parser p = { cmd->options, cmd->shared, cmd, false, "" };
	int rc = walk(&p, argc, argv, a, NULL);
	if (rc)
		return rc;
	if (a->refresh_images && a->reuse)
		return usage_error(&p, "options '-r' (--refresh-images) and "
				   "'--reuse' exclude each other");
	if (a->no_recreate && a->recreate_unmanaged)
		return usage_error(&p, "options '--no-recreate' and "
				   "'--recreate-unmanaged' exclude each other");
	if (a->json && a->dot)
		return usage_error(&p, "options '--json' and '--dot' exclude each "
				   "other");
	if (a->noperands < (size_t)cmd->min_operands)
		return usage_error(&p, "missing %s", cmd->operand ? cmd->operand
								: "argument");
	if (cmd->max_operands >= 0 && a->noperands > (size_t)cmd->max_operands)
		return usage_error(&p, "unexpected argument '%.60s%s'",
				   a->operands[cmd->max_operands],
				   strlen(a->operands[cmd->max_operands]) > 60
					   ? "..." : "");
	return 0;
}

void cli_args_release(struct cli_args *a)
{
	free(a->operands);
	a->operands = NULL;
	a->noperands = 0;
}

static char *delay_text(uint64_t ms)
{
	if (ms % 1000 == 0)
		return mae_xasprintf("%llu", (unsigned long long)(ms / 1000));
	char frac[8];
	snprintf(frac, sizeof(frac), "%03u", (unsigned)(ms % 1000));
	for (size_t n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	return mae_xasprintf("%llu.%s", (unsigned long long)(ms / 1000), frac);
}

char *cli_args_flag_text(const struct cli_args *a, enum cli_opt_id id)
{
	if ((unsigned)id >= CLI_OPT_NSHARED || !(a->given & (UINT64_C(1) << id)))
		return NULL;
	const char *name = shared[id].name;
	char *v = NULL, *text;
	switch (id) {
	case CLI_OPT_CONTAINER_FILTER: v = mae_xstrdup(a->container_filter); break;
	case CLI_OPT_SHIP_FILTER: v = mae_xstrdup(a->ship_filter); break;
	case CLI_OPT_STEP_DELAY: v = delay_text(a->step_delay_ms); break;
	case CLI_OPT_STOP_START_DELAY: v = delay_text(a->stop_start_delay_ms); break;
	case CLI_OPT_BATCH:
		v = mae_xasprintf("%u%s", a->batch, a->batch_percent ? "%" : "");
		break;
	case CLI_OPT_CONCURRENCY: v = mae_xasprintf("%u", a->concurrency); break;
	case CLI_OPT_SHIP_CONCURRENCY:
		v = mae_xasprintf("%u", a->ship_concurrency);
		break;
	default:
		break;
	}
	text = v ? mae_xasprintf("--%s=%s", name, v) : mae_xasprintf("--%s", name);
	free(v);
	return text;
}

static const struct {
	const char *name;
	uint64_t flags;
} actions[] = {
	{ "start", CLI_F_START },     { "stop", CLI_F_STOP },
	{ "kill", CLI_F_KILL },       { "restart", CLI_F_RESTART },
	{ "pull", CLI_F_PULL },       { "clean", CLI_F_CLEAN },
};

uint64_t cli_action_flags(const char *action)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(*actions); i++)
		if (strcmp(actions[i].name, action) == 0)
			return actions[i].flags;
	return 0;
}

int cli_args_check_action(const struct cli_command *cmd,
			  const struct cli_args *a, const char *action)
{
	const struct parser p = { cmd->options, cmd->shared, cmd, false, "" };
	uint64_t ok = cli_action_flags(action);
	if (!ok) {
		const char *names[sizeof(actions) / sizeof(*actions)];
		for (size_t i = 0; i < sizeof(actions) / sizeof(*actions); i++)
			names[i] = actions[i].name;
		const char *hint = mae_suggest(action, names,
					       sizeof(names) / sizeof(*names));
		if (hint)
			return usage_error(&p, "unknown action '%.60s' (did you "
					   "mean '%s'?)", action, hint);
		return usage_error(&p, "unknown action '%.60s': start, stop, "
				   "kill, restart, pull or clean", action);
	}
	/* what is not an action's own flag: the command's (--offline...) */
	ok |= ~CLI_F_PLAN | CLI_F(OFFLINE) | CLI_F(JSON) | CLI_F(DOT);
	for (int id = 0; id < CLI_OPT_NSHARED; id++) {
		if ((a->given & (UINT64_C(1) << id)) &&
		    !(ok & (UINT64_C(1) << id)))
			return usage_error(&p, "option '--%s' is not an option "
					   "of '%s'", shared[id].name, action);
	}
	return 0;
}

void cli_help_row(const char *left, const char *help)
{
	enum { LEFT = 26, WIDTH = 79 };
	if (strlen(left) > LEFT - 4)
		cli_outf("  %s\n%*s", left, LEFT, "");
	else
		cli_outf("  %-*s", LEFT - 2, left);
	const char *h = help;
	while (*h) {
		size_t room = WIDTH - LEFT, len = strlen(h);
		if (len > room) {
			len = room;
			while (len > 0 && h[len] != ' ')
				len--;
			if (len == 0)
				len = strcspn(h, " ");
		}
		cli_outf("%.*s\n", (int)len, h);
		h += len;
		while (*h == ' ')
			h++;
		if (*h)
			cli_outf("%*s", LEFT, "");
	}
}

/* One option of --help: its names, then its help. */
static void option_help(const struct cli_option *o)
{
	char left[64];
	int n = 0;
	if (o->letter && o->name)
		n = snprintf(left, sizeof(left), "-%c, --%s", o->letter, o->name);
	else if (o->letter)
		n = snprintf(left, sizeof(left), "-%c", o->letter);
	else
		n = snprintf(left, sizeof(left), "--%s", o->name);
	if (o->metavar && n > 0 && (size_t)n < sizeof(left))
		snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->metavar);
	cli_help_row(left, o->help);
}

void cli_options_help(const struct cli_command *cmd)
{
	bool any = (cmd->options && cmd->options[0].help) || cmd->shared;
	if (!any)
		return;
	cli_outs("Options:\n");
	for (int i = 0; cmd->options && cmd->options[i].help; i++)
		option_help(&cmd->options[i]);
	for (int id = 0; id < CLI_OPT_NSHARED; id++)
		if (cmd->shared & (UINT64_C(1) << id))
			option_help(&shared[id]);
	static const struct cli_option help = { "help", 'h', NULL, "this help" };
	option_help(&help);
}

void cli_globals_help(void)
{
	for (int i = 0; global_options[i].help; i++)
		option_help(&global_options[i]);
}

int cli_globals_parse(int argc, char **argv, struct cli_globals *g,
		      int *ret_next)
{
	struct cli_args a;
	memset(&a, 0, sizeof(a));
	struct parser p = { global_options, 0, NULL, true, "" };
	int rc = walk(&p, argc, argv, &a, ret_next);
	if (rc == CLI_ARGS_HELP)
		a.own[G_HELP] = "";
	else if (rc)
		return rc;
	if (a.own[G_FILE])
		g->file = a.own[G_FILE];
	if (a.own[G_STATE])
		g->state_db = a.own[G_STATE];
	if (a.own[G_DEBUG])
		g->debug = true;
	if (a.own[G_NO_COLOR])
		g->color = false;
	g->version = a.own[G_VERSION] != NULL;
	g->help = a.own[G_HELP] != NULL;
	return 0;
}
