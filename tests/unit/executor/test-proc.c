/*
 * test-proc.c - proc_run() (executor/proc.c) with real programs: input in
 * and output out (more than a pipe holds, both ways, so a deadlock would
 * show), the output cap, the time limit, exit statuses and signals, a
 * program that is not there, and one that does not read its input (no
 * SIGPIPE for us), and a stopped program's children stopped with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

static int run(char **argv, const char *in, size_t in_len, size_t out_max,
	       int timeout_ms, struct proc_result *r)
{
	const struct proc_spec spec = { .argv = argv, .in = in, .in_len = in_len,
					.out_max = out_max,
					.timeout_ms = timeout_ms };
	struct mae_error e;
	mae_error_clear(&e);
	return proc_run(&spec, r, &e);
}

static void test_in_out(void **state)
{
	(void)state;
	char *argv[] = { (char *)"cat", NULL };
	struct proc_result r;
	assert_int_equal(run(argv, "hello", 5, 100, 5000, &r), 0);
	assert_int_equal(r.end, PROC_EXITED);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 5);
	assert_string_equal(r.out, "hello");
	proc_result_release(&r);

	/* 1 MiB each way: more than a pipe holds */
	size_t n = (size_t)1 << 20;
	char *big = mae_xmalloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(run(argv, big, n, 2 * n, 10000, &r), 0);
	assert_int_equal(r.end, PROC_EXITED);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, big, n);
	proc_result_release(&r);
	free(big);

	/* no input: an empty standard input */
	assert_int_equal(run(argv, NULL, 0, 100, 5000, &r), 0);
	assert_int_equal(r.end, PROC_EXITED);
	assert_int_equal(r.out_len, 0);
	assert_string_equal(r.out, "");
	proc_result_release(&r);
}

static void test_limits(void **state)
{
	(void)state;
	struct proc_result r;
	char *yes[] = { (char *)"yes", NULL };
	assert_int_equal(run(yes, NULL, 0, 4096, 5000, &r), 0);
	assert_int_equal(r.end, PROC_TOO_MUCH);
	assert_true(r.out_len <= 4096);
	proc_result_release(&r);

	char *sleep[] = { (char *)"sleep", (char *)"10", NULL };
	int64_t t0 = mae_now_ms();
	assert_int_equal(run(sleep, NULL, 0, 100, 200, &r), 0);
	assert_int_equal(r.end, PROC_TIMED_OUT);
	assert_true(mae_now_ms() - t0 < 3000);
	proc_result_release(&r);
}

static void test_endings(void **state)
{
	(void)state;
	struct proc_result r;
	char *sh3[] = { (char *)"sh", (char *)"-c", (char *)"echo out; echo err >&2; exit 3", NULL };
	assert_int_equal(run(sh3, NULL, 0, 100, 5000, &r), 0);
	assert_int_equal(r.end, PROC_EXITED);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out, "out\n"); /* standard error is not captured */
	proc_result_release(&r);

	char *killed[] = { (char *)"sh", (char *)"-c", (char *)"kill -TERM $$", NULL };
	assert_int_equal(run(killed, NULL, 0, 100, 5000, &r), 0);
	assert_int_equal(r.end, PROC_SIGNALED);
	assert_int_equal(r.status, SIGTERM);
	proc_result_release(&r);

	/* does not read 1 MiB of input: no SIGPIPE here, an ordinary end */
	size_t n = (size_t)1 << 20;
	char *big = mae_xcalloc(n, 1);
	char *tru[] = { (char *)"true", NULL };
	assert_int_equal(run(tru, big, n, 100, 5000, &r), 0);
	assert_int_equal(r.end, PROC_EXITED);
	assert_int_equal(r.status, 0);
	proc_result_release(&r);
	free(big);

	char *none[] = { (char *)"maestro-no-such-program-here", NULL };
	struct mae_error e;
	mae_error_clear(&e);
	const struct proc_spec spec = { .argv = none, .out_max = 10, .timeout_ms = 1000 };
	assert_int_equal(proc_run(&spec, &r, &e), MAE_ERR_IO);
	assert_int_equal(e.sys_errno, ENOENT);
	assert_string_equal(e.msg, "cannot run 'maestro-no-such-program-here': No such file or directory");
	proc_result_release(&r);
}

/* true when pid is gone or a zombie (PID 1 here may not reap orphans) */
static bool gone(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* A program stopped at its time limit takes what it started with it. */
static void test_group_stopped(void **state)
{
	(void)state;
	struct proc_result r;
	char *sh[] = { (char *)"sh", (char *)"-c",
		       (char *)"sleep 30 & echo $!; wait", NULL };
	assert_int_equal(run(sh, NULL, 0, 100, 300, &r), 0);
	assert_int_equal(r.end, PROC_TIMED_OUT);
	long child = strtol(r.out, NULL, 10);
	assert_true(child > 1);
	proc_result_release(&r);
	bool ok = false;
	for (int i = 0; i < 100 && !ok; i++) { /* up to 2 s */
		ok = gone(child);
		if (!ok)
			usleep(20000);
	}
	if (!ok)
		kill((pid_t)child, SIGKILL);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_out),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_endings),
		cmocka_unit_test(test_group_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
