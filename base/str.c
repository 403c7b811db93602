/*
 * str.c - the bounded buffer, string helpers, suggestions and file reading.
 */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void mae_buf_init(struct mae_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void mae_buf_release(struct mae_buf *b)
{
	free(b->s);
	mae_buf_init(b);
}

void mae_buf_reset(struct mae_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	b->overflow = false;
}

static bool buf_grow(struct mae_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : MAE_BUF_DEFAULT_MAX;
	if (b->overflow || extra > max || b->len > max - extra) {
		b->overflow = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->s = mae_xrealloc(b->s, cap);
	b->cap = cap;
	return true;
}

void mae_buf_add(struct mae_buf *b, const void *data, size_t n)
{
	if (!buf_grow(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void mae_buf_adds(struct mae_buf *b, const char *s)
{
	mae_buf_add(b, s, strlen(s));
}

void mae_buf_addc(struct mae_buf *b, char c)
{
	mae_buf_add(b, &c, 1);
}

void mae_buf_vaddf(struct mae_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0 || !buf_grow(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void mae_buf_addf(struct mae_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *mae_buf_detach(struct mae_buf *b)
{
	char *s = b->s ? b->s : mae_xstrdup("");
	mae_buf_init(b);
	return s;
}

bool mae_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool mae_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool mae_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

size_t mae_edit_distance(const char *a, const char *b, size_t max)
{
	size_t n = strlen(a), m = strlen(b);
	if ((n > m ? n - m : m - n) > max)
		return max + 1;
	if (n > 256 || m > 256)
		return max + 1;
	size_t prev[257], cur[257];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		size_t rowmin = cur[0];
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > max)
			return max + 1;
		memcpy(prev, cur, (m + 1) * sizeof(size_t));
	}
	return prev[m] > max ? max + 1 : prev[m];
}

char *mae_quote(char *buf, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = s ? strlen(s) : 0, w = 0, i = 0;
	for (int chars = 0; i < n && chars < MAE_QUOTE_CHARS &&
			    w + 4 <= 4 * MAE_QUOTE_CHARS; chars++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			buf[w++] = '\\';
			if (c == '\n' || c == '\t' || c == '\r') {
				buf[w++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			} else {
				buf[w++] = 'x';
				buf[w++] = hex[c >> 4];
				buf[w++] = hex[c & 15];
			}
			i++;
			continue;
		}
		/* one character: a byte and up to three continuation bytes */
		size_t end = i + 4;
		do
			buf[w++] = s[i++];
		while (i < n && i < end && ((unsigned char)s[i] & 0xc0) == 0x80);
	}
	if (i < n)
		snprintf(buf + w, MAE_QUOTE_BUF - w, "… (%zu bytes)", n);
	else
		buf[w] = '\0';
	return buf;
}

const char *mae_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	size_t limit = len / 3 > 2 ? len / 3 : 2;
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = mae_edit_distance(word, cands[i], limit);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	/* a one-letter word is too short to guess from */
	if (best && len < 2)
		return NULL;
	return best;
}

/* What a file that is not a regular one is, for messages. */
static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/*
 * Everything from fd, at most max bytes.  A regular file never blocks;
 * standard input may (that is what "-" asks for).
 */
static int read_fd(int fd, const char *shown, size_t max,
		   struct mae_buf *b, struct mae_error *e)
{
	b->max = max;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			mae_error_set(e, MAE_ERR_IO, "cannot read '%s': %s",
				      shown, strerror(err));
			if (e)
				e->sys_errno = err;
			return MAE_ERR_IO;
		}
		if (n == 0)
			return 0;
		mae_buf_add(b, chunk, (size_t)n);
		if (b->overflow)
			return mae_error_set(e, MAE_ERR_LIMIT,
					     "'%s' is larger than %zu bytes",
					     shown, max);
	}
}

int mae_read_file(const char *path, size_t max, char **ret_data,
		  size_t *ret_len, struct mae_error *e)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "<stdin>" : path;
	/*
	 * O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then
	 * refuses it (and directories, devices, sockets) before any read, so
	 * that nothing named in a description can hang us.
	 */
	int fd = is_stdin ? STDIN_FILENO
			  : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
					       O_NOCTTY);
	if (fd < 0) {
		int err = errno;
		int code = err == ENOENT || err == ENOTDIR ? MAE_ERR_NOTFOUND
							   : MAE_ERR_IO;
		mae_error_set(e, code, "cannot read '%s': %s", shown,
			      strerror(err));
		if (e)
			e->sys_errno = err;
		return code;
	}
	int rc = 0;
	struct mae_buf b = MAE_BUF_INIT;
	if (!is_stdin) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			int err = errno;
			rc = mae_error_set(e, MAE_ERR_IO, "cannot read '%s': %s",
					   shown, strerror(err));
			if (e)
				e->sys_errno = err;
		} else if (!S_ISREG(st.st_mode)) {
			rc = mae_error_set(e, MAE_ERR_INVALID,
					   "'%s' is %s, not a regular file",
					   shown, file_kind(st.st_mode));
		} else if ((uintmax_t)st.st_size > max) {
			rc = mae_error_set(e, MAE_ERR_LIMIT,
					   "'%s' is larger than %zu bytes",
					   shown, max);
		} else {
			/* a regular file: reads never block anyway */
			int fl = fcntl(fd, F_GETFL);
			if (fl >= 0)
				fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		}
	}
	if (!rc)
		rc = read_fd(fd, shown, max, &b, e);
	if (!is_stdin)
		close(fd);
	if (rc) {
		mae_buf_release(&b);
		return rc;
	}
	*ret_len = b.len;
	*ret_data = mae_buf_detach(&b);
	return 0;
}

int64_t mae_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
