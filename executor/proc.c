/*
 * proc.c - run a program to its end, bounded (proc.h).
 *
 * Must not: leave a child behind (every child is waited for), change the
 * process's signal dispositions, or let a program's output past its cap
 * into memory.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Feed stdin and read stdout until both are done, or a limit. */
static enum proc_end pump(const struct proc_spec *spec, int *in, int *out,
			  struct mae_buf *b)
{
	size_t written = 0;
	int64_t deadline = mae_now_ms() + spec->timeout_ms;
	if (!spec->in_len)
		close_fd(in);
	while (*out >= 0) {
		int64_t left = deadline - mae_now_ms();
		if (left <= 0 ||
		    (spec->stop && __atomic_load_n(spec->stop, __ATOMIC_ACQUIRE)))
			return PROC_TIMED_OUT;
		if (spec->stop && left > 20)
			left = 20;
		struct pollfd p[2] = { { .fd = *out, .events = POLLIN },
				       { .fd = *in, .events = POLLOUT } };
		int n = poll(p, *in >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PROC_TIMED_OUT; /* cannot wait: stop it */
		if (*in >= 0 && p[1].revents) {
			ssize_t w = write(*in, (const char *)spec->in + written,
					  spec->in_len - written);
			if (w > 0)
				written += (size_t)w;
			/* EPIPE: the program does not read; that is its business */
			if ((w < 0 && errno != EINTR && errno != EAGAIN) ||
			    written == spec->in_len)
				close_fd(in);
		}
		if (p[0].revents) {
			char tmp[4096];
			ssize_t r = read(*out, tmp, sizeof(tmp));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close_fd(out);
				break;
			}
			if (b->len + (size_t)r > spec->out_max)
				return PROC_TOO_MUCH;
			mae_buf_add(b, tmp, (size_t)r);
		}
	}
	return PROC_EXITED;
}

int proc_run(const struct proc_spec *spec, struct proc_result *ret,
	     struct mae_error *e)
{
	memset(ret, 0, sizeof(*ret));
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int rc = 0;
	struct mae_buf b = MAE_BUF_INIT;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* Its own process group, so that stopping it stops what it started
	 * too (a script's background sleep must not outlive the check). */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		rc = mae_error_set(e, MAE_ERR_IO, "cannot run '%s': pipe: %s",
				   spec->argv[0], strerror(errno));
		if (e)
			e->sys_errno = errno;
		goto out;
	}
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int err = posix_spawnp(&pid, spec->argv[0], &fa, &attr, spec->argv,
			      spec->envp ? spec->envp : environ);
	if (err) {
		rc = mae_error_set(e, MAE_ERR_IO, "cannot run '%s': %s",
				   spec->argv[0], strerror(err));
		if (e)
			e->sys_errno = err;
		goto out;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);

	/* A program that exits without reading must not kill us with
	 * SIGPIPE: blocked for this thread, a pending one taken back. */
	sigset_t pipe_set, old_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	ret->end = pump(spec, &in[1], &out[0], &b);
	close_fd(&in[1]);
	const struct timespec zero = { 0, 0 };
	while (sigtimedwait(&pipe_set, NULL, &zero) >= 0 || errno == EINTR)
		;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);

	if (ret->end != PROC_EXITED)
		kill(-pid, SIGKILL); /* the whole group it leads */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret->end == PROC_EXITED) {
		if (WIFSIGNALED(status)) {
			ret->end = PROC_SIGNALED;
			ret->status = WTERMSIG(status);
		} else {
			ret->status = WEXITSTATUS(status);
		}
	}
	ret->out_len = b.len;
	ret->out = b.s ? b.s : mae_xstrdup("");
	b.s = NULL;
out:
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (b.s)
		explicit_bzero(b.s, b.len);
	mae_buf_release(&b);
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
	}
	return rc;
}

void proc_result_release(struct proc_result *r)
{
	if (!r)
		return;
	if (r->out)
		explicit_bzero(r->out, r->out_len);
	free(r->out);
	memset(r, 0, sizeof(*r));
}
