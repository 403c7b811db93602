/*
 * test-cli-args.c - the option parser of every command (cli/cli-args.c):
 * the syntax, the shared flags' values and conflicts, `plan ACTION`'s
 * per-action check, the global options, and the declarations of every
 * command (no letter or name taken twice).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

enum { OWN_FULL, OWN_LINES };
static const struct cli_option own[] = {
	[OWN_FULL] = { "full", 'F', NULL, "more" },
	[OWN_LINES] = { NULL, 'n', "N", "lines" },
	{ NULL, 0, NULL, NULL },
};

static int no_run(const struct cli_globals *g, const struct cli_args *a)
{
	(void)g;
	(void)a;
	return 0;
}

static const struct cli_command restart_cmd = {
	.name = "restart", .summary = "s", .usage = "maestro restart [THING...]",
	.shared = CLI_F_RESTART | CLI_F_APPLY, .options = own,
	.max_operands = -1, .operand = "THING", .run = no_run,
};

static const struct cli_command plan_cmd = {
	.name = "plan", .summary = "s", .usage = "maestro plan ACTION [THING...]",
	.shared = CLI_F_PLAN, .min_operands = 1, .max_operands = -1,
	.operand = "ACTION", .run = no_run,
};

static const struct cli_command one_cmd = {
	.name = "logs", .summary = "s", .usage = "maestro logs CONTAINER",
	.options = own, .min_operands = 1, .max_operands = 1,
	.operand = "CONTAINER", .run = no_run,
};

/* stderr of the last parse */
static char err[4096];

/* stderr into a temporary file from err_begin() to err_end() */
static FILE *err_file;
static int err_saved = -1;

static void err_begin(void)
{
	fflush(stderr);
	err_file = tmpfile();
	assert_non_null(err_file);
	err_saved = dup(2);
	dup2(fileno(err_file), 2);
}

static void err_end(void)
{
	fflush(stderr);
	dup2(err_saved, 2);
	close(err_saved);
	rewind(err_file);
	size_t n = fread(err, 1, sizeof(err) - 1, err_file);
	err[n] = '\0';
	fclose(err_file);
}

static int parse_v(const struct cli_command *cmd, struct cli_args *a,
		   char **argv, int argc)
{
	err_begin();
	int rc = cli_args_parse(cmd, argc, argv, a);
	err_end();
	return rc;
}

#define PARSE(cmd, a, ...)                                                   \
	({                                                                    \
		char *argv_[] = { (char *)(cmd)->name, __VA_ARGS__, NULL };    \
		cli_args_release(a);                                          \
		parse_v(cmd, a, argv_,                                       \
			(int)(sizeof(argv_) / sizeof(*argv_)) - 1);           \
	})

static void syntax(void **state)
{
	(void)state;
	struct cli_args a = { 0 };
	assert_int_equal(PARSE(&restart_cmd, &a, "-di", "web", "-c4", "db"), 0);
	assert_true(a.with_dependencies);
	assert_true(a.ignore_dependencies);
	assert_int_equal(a.concurrency, 4);
	assert_int_equal(a.noperands, 2);
	assert_string_equal(a.operands[0], "web");
	assert_string_equal(a.operands[1], "db");
	assert_int_equal(a.given, CLI_F(WITH_DEPS) | CLI_F(IGNORE_DEPS) |
				  CLI_F(CONCURRENCY));

	assert_int_equal(PARSE(&restart_cmd, &a, "-c", "7", "--concurrency=8",
			       "--ship-concurrency", "2"), 0);
	assert_int_equal(a.concurrency, 8); /* the last one wins */
	assert_int_equal(a.ship_concurrency, 2);
	assert_int_equal(a.noperands, 0);

	/* a value bundled after flags, and a value that looks like an option */
	assert_int_equal(PARSE(&restart_cmd, &a, "-dsC", "web-*", "-S", "-x"), 0);
	assert_true(a.expand_services);
	assert_string_equal(a.container_filter, "web-*");
	assert_string_equal(a.ship_filter, "-x");
	assert_int_equal(PARSE(&restart_cmd, &a, "-Cweb*", "--ship-filter=s=1"), 0);
	assert_string_equal(a.container_filter, "web*");
	assert_string_equal(a.ship_filter, "s=1");

	/* -- ends the options; - is an operand */
	assert_int_equal(PARSE(&restart_cmd, &a, "-a", "--", "-d", "--help", "-"), 0);
	assert_true(a.all);
	assert_true(a.expand_services); /* -a implies -s */
	assert_false(a.with_dependencies);
	assert_int_equal(a.noperands, 3);
	assert_string_equal(a.operands[0], "-d");
	assert_string_equal(a.operands[1], "--help");
	assert_string_equal(a.operands[2], "-");

	/* own options */
	assert_int_equal(PARSE(&restart_cmd, &a, "-Fn", "20", "x"), 0);
	assert_string_equal(a.own[OWN_FULL], "");
	assert_string_equal(a.own[OWN_LINES], "20");
	assert_int_equal(a.given, 0);
	assert_int_equal(PARSE(&restart_cmd, &a, "--full", "-n5"), 0);
	assert_string_equal(a.own[OWN_LINES], "5");
	assert_null(PARSE(&restart_cmd, &a, "x") == 0 ? a.own[OWN_FULL] : "");
	cli_args_release(&a);
}

static void help(void **state)
{
	(void)state;
	struct cli_args a = { 0 };
	assert_int_equal(PARSE(&restart_cmd, &a, "web", "--help"), CLI_ARGS_HELP);
	assert_int_equal(PARSE(&restart_cmd, &a, "-dh"), CLI_ARGS_HELP);
	/* help wins over a missing operand, and over a mistake before it */
	assert_int_equal(PARSE(&one_cmd, &a, "-h"), CLI_ARGS_HELP);
	assert_int_equal(PARSE(&restart_cmd, &a, "--nope", "-c", "x", "--help"),
			 CLI_ARGS_HELP);
	/* after --, an operand */
	assert_int_equal(PARSE(&restart_cmd, &a, "--", "-h"), 0);
	assert_string_equal(err, "");
	cli_args_release(&a);
}

static void usage_errors(void **state)
{
	(void)state;
	struct cli_args a = { 0 };
	assert_int_equal(PARSE(&restart_cmd, &a, "--nope"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "maestro: unknown option '--nope'\n"
				    "usage: maestro restart [THING...]\n"
				    "Try 'maestro restart --help'.\n"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--expand-service"),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '--expand-service' (did you "
				    "mean '--expand-services'?)"));
	assert_int_equal(PARSE(&restart_cmd, &a, "-dx"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '-x'"));
	/* an option the command does not take */
	assert_int_equal(PARSE(&restart_cmd, &a, "--orphans"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '--orphans'"));
	assert_int_equal(PARSE(&restart_cmd, &a, "-c"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '-c' needs a value (N)"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--batch"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '--batch' needs a value (N|N%)"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--all=yes"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '--all' takes no value"));
	assert_int_equal(PARSE(&restart_cmd, &a, "-r", "--reuse"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "'-r' (--refresh-images) and '--reuse' exclude"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--json", "--dot"),
			 CLI_EXIT_USAGE); /* restart has no --dot */
	/* a global option after the command */
	assert_int_equal(PARSE(&restart_cmd, &a, "-f", "x.yaml"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "'-f' is an option of maestro itself: give "
				    "it before the command"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--state=db"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "'--state' is an option of maestro itself"));
	/* operands */
	assert_int_equal(PARSE(&one_cmd, &a, "-F"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "maestro: missing CONTAINER\n"));
	assert_int_equal(PARSE(&one_cmd, &a, "a", "b"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "maestro: unexpected argument 'b'\n"));
	assert_int_equal(PARSE(&one_cmd, &a, "--", "-a"), 0);
	assert_string_equal(a.operands[0], "-a");
	cli_args_release(&a);
}

static void numbers(void **state)
{
	(void)state;
	struct cli_args a = { 0 };
	static const struct {
		const char *arg;
		uint64_t ms; /* UINT64_MAX: refused */
	} delays[] = {
		{ "0", 0 }, { "1", 1000 }, { "1.5", 1500 }, { "0.001", 1 },
		{ "2.125", 2125 }, { "86400", 86400000 }, { "007", 7000 },
		{ "1.0001", UINT64_MAX }, { "1e3", UINT64_MAX },
		{ "-1", UINT64_MAX }, { "86400.001", UINT64_MAX },
		{ ".5", UINT64_MAX }, { "1.", UINT64_MAX }, { "", UINT64_MAX },
		{ "1.2.3", UINT64_MAX }, { " 1", UINT64_MAX },
		{ "99999999999999999999999", UINT64_MAX },
		{ "nan", UINT64_MAX }, { "inf", UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(delays) / sizeof(*delays); i++) {
		int rc = PARSE(&restart_cmd, &a, "--step-delay",
			       (char *)delays[i].arg,
			       "--stop-start-delay", (char *)delays[i].arg);
		if (delays[i].ms == UINT64_MAX) {
			assert_int_equal(rc, CLI_EXIT_USAGE);
			assert_non_null(strstr(err, "option '--step-delay' needs "
						    "seconds from 0 to 86400"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(a.step_delay_ms, delays[i].ms);
			assert_int_equal(a.stop_start_delay_ms, delays[i].ms);
		}
	}
	static const struct {
		const char *arg;
		unsigned n; /* 0: refused */
		bool pct;
	} batches[] = {
		{ "1", 1, false }, { "25%", 25, true }, { "100%", 100, true },
		{ "100000", 100000, false }, { "0", 0, false },
		{ "0%", 0, false }, { "101%", 0, false }, { "%", 0, false },
		{ "", 0, false }, { "5%%", 0, false }, { "-1", 0, false },
		{ "100001", 0, false }, { "4294967297", 0, false },
		{ "1x", 0, false }, { "12345678901234567890%", 0, false },
	};
	for (size_t i = 0; i < sizeof(batches) / sizeof(*batches); i++) {
		int rc = PARSE(&restart_cmd, &a, "--batch", (char *)batches[i].arg);
		if (!batches[i].n) {
			assert_int_equal(rc, CLI_EXIT_USAGE);
			assert_non_null(strstr(err, "option '--batch' needs"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(a.batch, batches[i].n);
			assert_int_equal(a.batch_percent, batches[i].pct);
		}
	}
	assert_int_equal(PARSE(&restart_cmd, &a, "-c", "0"), 0);
	assert_int_equal(a.concurrency, 0);
	assert_int_equal(PARSE(&restart_cmd, &a, "-c", "-1"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '-c' needs a whole number from 0 to "
				    "100000, not '-1'"));
	assert_int_equal(PARSE(&restart_cmd, &a, "--concurrency=4294967296"),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '--concurrency' needs a whole number"));
	unsigned n = 0;
	fflush(stderr);
	assert_int_equal(cli_parse_uint(&one_cmd, "-n", "12", 1, 100, &n), 0);
	assert_int_equal(n, 12);
	cli_args_release(&a);
}

static void actions(void **state)
{
	(void)state;
	struct cli_args a = { 0 };
	assert_int_equal(PARSE(&plan_cmd, &a, "start", "web", "-r", "--offline",
			       "--json"), 0);
	assert_int_equal(cli_args_check_action(&plan_cmd, &a, a.operands[0]), 0);
	/* plan takes no apply option */
	assert_int_equal(PARSE(&plan_cmd, &a, "start", "-c", "2"), CLI_EXIT_USAGE);
	assert_int_equal(PARSE(&plan_cmd, &a, "start", "--keep-going"),
			 CLI_EXIT_USAGE);

	static const struct {
		const char *action, *flag;
		bool ok;
	} cases[] = {
		{ "start", "-a", false }, { "stop", "-a", true },
		{ "kill", "-s", true }, { "restart", "--batch=2", true },
		{ "start", "--batch=2", false }, { "clean", "--orphans", true },
		{ "stop", "--orphans", false }, { "pull", "-r", false },
		{ "restart", "--only-if-changed", true },
		{ "start", "--only-if-changed", false },
		{ "start", "--no-recreate", true },
		{ "restart", "--no-recreate", false },
		{ "pull", "-d", true }, { "clean", "-C", true },
		{ "stop", "--step-delay=1", false }, { "kill", "--dot", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int rc = cases[i].flag[1] == 'C'
				 ? PARSE(&plan_cmd, &a, (char *)cases[i].action,
					 "-C", "x")
				 : PARSE(&plan_cmd, &a, (char *)cases[i].action,
					 (char *)cases[i].flag);
		assert_int_equal(rc, 0);
		err_begin();
		rc = cli_args_check_action(&plan_cmd, &a, cases[i].action);
		err_end();
		assert_int_equal(rc, cases[i].ok ? 0 : CLI_EXIT_USAGE);
		if (!cases[i].ok)
			assert_non_null(strstr(err, "is not an option of '"));
	}
	assert_int_equal(PARSE(&plan_cmd, &a, "strat"), 0);
	err_begin();
	assert_int_equal(cli_args_check_action(&plan_cmd, &a, "strat"),
			 CLI_EXIT_USAGE);
	err_end();
	assert_non_null(strstr(err, "unknown action 'strat' (did you mean "
				    "'start'?)"));
	assert_int_equal(cli_action_flags("strat"), 0);
	assert_int_equal(cli_action_flags("restart"), CLI_F_RESTART);
	cli_args_release(&a);
}

/* Each given flag's text parses back to the same values. */
static void flag_text(void **state)
{
	(void)state;
	static const char *const delays[] = { "1234.567", "0.5", "0.05", "7",
					      "0.001", "86400" };
	for (size_t k = 0; k < sizeof(delays) / sizeof(*delays); k++) {
		struct cli_args a = { 0 }, b = { 0 };
		assert_int_equal(PARSE(&restart_cmd, &a, "-di", "-C", "w=*",
				       "-Sship-[ab]", "-a", "-r",
				       "--only-if-changed", "--step-delay",
				       (char *)delays[k], "--stop-start-delay=0.25",
				       "--batch=25%", "--recreate-unmanaged",
				       "-c", "3", "--ship-concurrency=2",
				       "--keep-going", "--break-lock", "--json"),
				 0);
		char *argv[CLI_OPT_NSHARED + 2] = { "restart" };
		int argc = 1;
		for (int id = 0; id < CLI_OPT_NSHARED; id++) {
			char *t = cli_args_flag_text(&a, (enum cli_opt_id)id);
			assert_true((t != NULL) == !!(a.given & (UINT64_C(1) << id)));
			if (t)
				argv[argc++] = t;
		}
		assert_int_equal(parse_v(&restart_cmd, &b, argv, argc), 0);
		assert_int_equal(b.given, a.given);
		assert_int_equal(b.step_delay_ms, a.step_delay_ms);
		assert_int_equal(b.stop_start_delay_ms, 250);
		assert_int_equal(b.batch, 25);
		assert_true(b.batch_percent);
		assert_int_equal(b.concurrency, 3);
		assert_int_equal(b.ship_concurrency, 2);
		assert_string_equal(b.container_filter, "w=*");
		assert_string_equal(b.ship_filter, "ship-[ab]");
		assert_true(b.all && b.expand_services && b.refresh_images);
		for (int i = 1; i < argc; i++)
			free(argv[i]);
		cli_args_release(&a);
		cli_args_release(&b);
	}
	struct cli_args a = { 0 };
	assert_int_equal(PARSE(&restart_cmd, &a, "--step-delay=1234.567"), 0);
	char *t = cli_args_flag_text(&a, CLI_OPT_STEP_DELAY);
	assert_string_equal(t, "--step-delay=1234.567");
	free(t);
	assert_null(cli_args_flag_text(&a, CLI_OPT_BATCH));
	assert_null(cli_args_flag_text(&a, CLI_OPT_NSHARED));
	cli_args_release(&a);
}

static int globals(char **argv, int argc, struct cli_globals *g, int *next)
{
	memset(g, 0, sizeof(*g));
	g->file = "maestro.yaml";
	g->color = true;
	err_begin();
	int rc = cli_globals_parse(argc, argv, g, next);
	err_end();
	return rc;
}

#define GLOBALS(g, next, ...)                                                \
	({                                                                    \
		char *argv_[] = { "maestro", __VA_ARGS__, NULL };             \
		globals(argv_, (int)(sizeof(argv_) / sizeof(*argv_)) - 1, g, \
			next);                                                \
	})

static void global_options(void **state)
{
	(void)state;
	struct cli_globals g;
	int next = 0;
	assert_int_equal(GLOBALS(&g, &next, "-fx.yaml", "config", "-f", "y"), 0);
	assert_string_equal(g.file, "x.yaml");
	assert_int_equal(next, 2);
	assert_int_equal(GLOBALS(&g, &next, "--file=a", "--state", "s.db",
				 "--debug", "--no-color", "validate"), 0);
	assert_string_equal(g.file, "a");
	assert_string_equal(g.state_db, "s.db");
	assert_true(g.debug);
	assert_false(g.color);
	assert_int_equal(next, 6);
	assert_int_equal(GLOBALS(&g, &next, "-f", "-", "--", "ships"), 0);
	assert_string_equal(g.file, "-");
	assert_int_equal(next, 4);
	assert_int_equal(GLOBALS(&g, &next, "--state=x", "-f", "--", "deptree"), 0);
	assert_string_equal(g.file, "--"); /* a value, not the end of options */
	assert_int_equal(GLOBALS(&g, &next, "-v"), 0);
	assert_true(g.version);
	assert_int_equal(GLOBALS(&g, &next, "--help"), 0);
	assert_true(g.help);
	assert_int_equal(GLOBALS(&g, &next, "-f"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "option '-f' needs a value (FILE)"));
	assert_int_equal(GLOBALS(&g, &next, "--json", "config"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "maestro: unknown option '--json'\n"
				    "Try 'maestro --help'.\n"));
	assert_int_equal(GLOBALS(&g, &next, "--debgu"), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "(did you mean '--debug'?)"));
}

/* Every command's declaration: no option taken twice, own table fits. */
static void declarations(void **state)
{
	(void)state;
	for (size_t c = 0; cli_commands[c]; c++) {
		const struct cli_command *cmd = cli_commands[c];
		const char *names[CLI_OWN_MAX + CLI_OPT_NSHARED + 1];
		char letters[CLI_OWN_MAX + CLI_OPT_NSHARED + 1];
		size_t nn = 0, nl = 0;
		names[nn++] = "help";
		letters[nl++] = 'h';
		size_t nown = 0;
		for (; cmd->options && cmd->options[nown].help; nown++) {
			if (cmd->options[nown].name)
				names[nn++] = cmd->options[nown].name;
			if (cmd->options[nown].letter)
				letters[nl++] = cmd->options[nown].letter;
		}
		assert_true(nown <= CLI_OWN_MAX);
		for (int id = 0; id < CLI_OPT_NSHARED; id++) {
			if (!(cmd->shared & (UINT64_C(1) << id)))
				continue;
			names[nn++] = cli_opt_name((enum cli_opt_id)id);
		}
		for (size_t i = 0; i < nn; i++)
			for (size_t j = i + 1; j < nn; j++)
				if (strcmp(names[i], names[j]) == 0)
					fail_msg("%s: --%s twice", cmd->name,
						 names[i]);
		for (size_t i = 0; i < nl; i++)
			for (size_t j = i + 1; j < nl; j++)
				assert_int_not_equal(letters[i], letters[j]);
		assert_non_null(cmd->usage);
		assert_non_null(cmd->summary);
		assert_non_null(cmd->run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax),
		cmocka_unit_test(help),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(numbers),
		cmocka_unit_test(actions),
		cmocka_unit_test(flag_text),
		cmocka_unit_test(global_options),
		cmocka_unit_test(declarations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
