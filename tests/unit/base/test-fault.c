/*
 * test-fault.c - the fault-injection seam (base/fault.c).  Built with the
 * seam compiled in whatever the build's fault_injection option says, so
 * that both kinds are tested in every build: `fail` makes the point
 * return nonzero on the hits its rule names, `die` kills the process
 * with SIGKILL there, and the trace file lists every hit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base.h"

static char trace_path[] = "/tmp/maestro-fault-trace-XXXXXX";

static void test_fail(void **state)
{
	(void)state;
	/* t.nth:fail:2 acts on the second hit only; t.every on each */
	assert_int_equal(MAE_FAULT("t.nth"), 0);
	assert_int_not_equal(MAE_FAULT("t.nth"), 0);
	assert_int_equal(MAE_FAULT("t.nth"), 0);
	assert_int_not_equal(MAE_FAULT("t.every"), 0);
	assert_int_not_equal(MAE_FAULT("t.every"), 0);
	/* a point no rule names, and a name that only starts like one */
	assert_int_equal(MAE_FAULT("t.other"), 0);
	assert_int_equal(MAE_FAULT("t.every.not"), 0);
}

static void test_die(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		/* t.die:die:2: the first hit passes, the second kills */
		if (MAE_FAULT("t.die") == 0 && write(fds[1], "1", 1) != 1)
			_exit(3);
		MAE_FAULT("t.die");
		if (write(fds[1], "2", 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	char got[4] = "";
	ssize_t n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(n, 1);
	assert_string_equal(got, "1");
}

static void test_trace(void **state)
{
	(void)state;
	MAE_FAULT("t.traced");
	char *text;
	size_t len;
	assert_int_equal(mae_read_file(trace_path, 1 << 20, &text, &len, NULL), 0);
	/* every hit of the tests before, in order, one a line */
	assert_non_null(strstr(text, "t.nth\nt.nth\nt.nth\nt.every\nt.every\n"
				     "t.other\nt.every.not\n"));
	assert_true(mae_endswith(text, "t.traced\n"));
	free(text);
}

int main(void)
{
	int fd = mkstemp(trace_path);
	if (fd < 0)
		return 1;
	close(fd);
	setenv("MAESTRO_FAULT", "t.nth:fail:2,t.every:fail,t.die:die:2", 1);
	setenv("MAESTRO_FAULT_TRACE", trace_path, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail),
		cmocka_unit_test(test_die),
		cmocka_unit_test(test_trace),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(trace_path);
	return rc;
}
