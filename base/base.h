/*
 * base.h - the small helpers every maestro module shares.
 *
 * What is here: error values with a located message (struct mae_error),
 * a list of diagnostics that keeps going after the first problem
 * (struct mae_diags), a bounded growable string (struct mae_buf), the
 * arena (struct mae_arena), the string map (struct mae_map), UTF-8,
 * string helpers, "did you mean" suggestions, canonical JSON, SHA-256,
 * HMAC, base64 and the fault-injection seam of test builds.
 *
 * What must not be here: anything that prints, exits, touches the network
 * or a database.  Third-party types never appear in this header: the JSON
 * helpers take jansson's json_t through its struct tag, so callers that
 * build JSON include <jansson.h> themselves.
 *
 * Allocation failure is fatal: mae_xmalloc() and friends abort() after a
 * one-line message on stderr, as git's xmalloc() dies.  Every other
 * failure is returned to the caller.
 */
#ifndef MAESTRO_BASE_H
#define MAESTRO_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAE_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ------------------------------------------------------------------ */
/* Allocation                                                           */

void *mae_xmalloc(size_t n);
void *mae_xcalloc(size_t n, size_t size);
void *mae_xrealloc(void *p, size_t n);
char *mae_xstrdup(const char *s);
char *mae_xstrndup(const char *s, size_t n);
/* mae_xstrdup(s), or NULL when s is NULL. */
char *mae_xstrdup_or_null(const char *s);
/* A newly allocated formatted string; the caller frees it. */
char *mae_xasprintf(const char *fmt, ...) MAE_PRINTF(1, 2);
char *mae_xvasprintf(const char *fmt, va_list ap);

/* ------------------------------------------------------------------ */
/* Errors                                                               */

/*
 * Fallible functions return 0 or one of these negative codes, and fill an
 * optional struct mae_error (last argument) with the details.
 */
enum mae_err_code {
	MAE_OK = 0,
	MAE_ERR_INVALID = -1,   /* bad input: a description, an argument */
	MAE_ERR_IO = -2,        /* a file could not be read or written */
	MAE_ERR_CONNECT = -3,   /* a peer could not be reached */
	MAE_ERR_TIMEOUT = -4,   /* a peer did not answer in time */
	MAE_ERR_PROTOCOL = -5,  /* a peer answered something we cannot read */
	MAE_ERR_REMOTE = -6,    /* a peer answered with an error (HTTP status) */
	MAE_ERR_AUTH = -7,      /* credentials refused or host key not trusted */
	MAE_ERR_CANCELLED = -8, /* the caller asked us to stop */
	MAE_ERR_LIMIT = -9,     /* a documented limit was hit */
	MAE_ERR_STATE = -10,    /* refused by recorded state */
	MAE_ERR_NOTFOUND = -11, /* the thing asked for does not exist */
	MAE_ERR_INTERNAL = -12, /* a bug in maestro: report it */
};

/* A short lowercase name for a code ("timeout", "connect", ...). */
const char *mae_err_name(int code);

#define MAE_ERROR_MSG_MAX 1024

/*
 * One failure, with everything a user needs to act on it.  `msg` is the
 * whole sentence in INTERFACES.md style (lowercase start, no final period).
 * The other fields are the foreign detail, kept so that callers and tests
 * can look at them without parsing `msg`: errno, an HTTP status, and for
 * input errors the location.  Fields that do not apply are 0 / "".
 */
struct mae_error {
	int code;
	char msg[MAE_ERROR_MSG_MAX];
	int sys_errno;
	long http_status;
	char file[256];
	int line, col;
};

/* Clear an error to "no error". NULL-safe. */
void mae_error_clear(struct mae_error *e);

/*
 * Set e (if not NULL) to code and the formatted message, replacing what it
 * held, and return code so that `return mae_error_set(e, ...)` reads well.
 */
int mae_error_set(struct mae_error *e, int code, const char *fmt, ...)
	MAE_PRINTF(3, 4);
int mae_error_vset(struct mae_error *e, int code, const char *fmt,
		   va_list ap);
/* Put "PREFIX: " in front of an error's message (e.g. the ship's name). */
void mae_error_prefix(struct mae_error *e, const char *fmt, ...)
	MAE_PRINTF(2, 3);

/* ------------------------------------------------------------------ */
/* Fault injection (test builds only)                                   */

/*
 * MAE_FAULT("state.commit") is 0 in a default build: the seam is
 * compiled out and leaves no symbol.  In a build configured with
 * -Dfault_injection=true it is nonzero when the environment variable
 * MAESTRO_FAULT arms the point to fail ("state.commit:fail"), and it
 * kills the process on the spot when armed to die ("state.commit:die:3":
 * at the third hit).  Name points MODULE.WHAT; a failing point returns
 * the error the real failure would.  docs/testing.md "Fault injection".
 */
#ifdef MAE_FAULT_INJECTION
int mae_fault_hit(const char *name);
#define MAE_FAULT(name) mae_fault_hit(name)
#else
#define MAE_FAULT(name) 0
#endif

/* ------------------------------------------------------------------ */
/* Source maps and diagnostics                                          */

/*
 * Where each line of a rendered text came from.  The template pass fills
 * one (line i of its output, 1-based, came from lines[i - 1]); the YAML
 * reader and the model report positions in the rendered text, and the
 * diagnostics list translates them through the map.  `file` pointers are
 * owned by whoever owns the map (usually interned for the map's lifetime).
 */
struct mae_srcloc {
	const char *file;
	int line;
};

/* A byte range [off, off + len) of a text. */
struct mae_span {
	size_t off, len;
};

struct mae_srcmap {
	struct mae_srcloc *lines;
	size_t n;
	/*
	 * The byte ranges of the rendered text that hold text of the
	 * process environment (a template's {{ env.NAME }}), in order and
	 * disjoint: a message about a value there must not quote it (the
	 * YAML reader marks such nodes `secret`).
	 */
	struct mae_span *secret;
	size_t nsecret;
};

enum mae_severity {
	MAE_SEV_ERROR,
	MAE_SEV_WARNING,
};

struct mae_diag {
	enum mae_severity sev;
	char *file; /* owned */
	int line, col; /* 1-based; 0 when not known */
	char *msg;  /* owned; INTERFACES.md style */
};

#define MAE_DIAGS_MAX_ERRORS 50

/*
 * A list of diagnostics.  `file` is the name used for positions in the
 * text being read (e.g. "maestro.yaml" or "<stdin>"), and `map`, when set,
 * translates a line of rendered text to its template source.  Both are
 * borrowed.  After MAE_DIAGS_MAX_ERRORS errors further errors are counted
 * in `dropped` but not stored; warnings are always kept (up to the same
 * number again).
 */
struct mae_diags {
	struct mae_diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
	size_t dropped;
	const char *file;
	const struct mae_srcmap *map;
};

void mae_diags_init(struct mae_diags *d, const char *file);
void mae_diags_release(struct mae_diags *d);

/* A diagnostic at line:col of the text being read (mapped through d->map). */
void mae_diag_at(struct mae_diags *d, enum mae_severity sev, int line,
		 int col, const char *fmt, ...) MAE_PRINTF(5, 6);
void mae_diag_vat(struct mae_diags *d, enum mae_severity sev, int line,
		  int col, const char *fmt, va_list ap);
/* A diagnostic in a named file (not mapped); file may be NULL (no place). */
void mae_diag_file(struct mae_diags *d, enum mae_severity sev,
		   const char *file, int line, int col, const char *fmt, ...)
	MAE_PRINTF(6, 7);
void mae_diag_vfile(struct mae_diags *d, enum mae_severity sev,
		    const char *file, int line, int col, const char *fmt,
		    va_list ap);

static inline bool mae_diags_failed(const struct mae_diags *d)
{
	return d->nerrors > 0;
}

/*
 * "FILE:LINE:COL: error: MESSAGE" (parts that are unknown are left out),
 * newly allocated.
 */
char *mae_diag_format(const struct mae_diag *dg);

/* ------------------------------------------------------------------ */
/* Bounded growable buffer                                              */

/*
 * A NUL-terminated byte string that grows as needed, up to `max` bytes
 * (MAE_BUF_DEFAULT_MAX unless set).  Appending past the maximum sets
 * `overflow` and drops the data; check it where it matters.
 * Invariant: s is NULL or holds len bytes plus a NUL.
 */
#define MAE_BUF_DEFAULT_MAX ((size_t)256 << 20)

struct mae_buf {
	char *s;
	size_t len, cap;
	size_t max;
	bool overflow;
};

#define MAE_BUF_INIT { NULL, 0, 0, 0, false }

void mae_buf_init(struct mae_buf *b);
void mae_buf_release(struct mae_buf *b);
void mae_buf_reset(struct mae_buf *b);
void mae_buf_add(struct mae_buf *b, const void *data, size_t n);
void mae_buf_adds(struct mae_buf *b, const char *s);
void mae_buf_addc(struct mae_buf *b, char c);
void mae_buf_addf(struct mae_buf *b, const char *fmt, ...) MAE_PRINTF(2, 3);
void mae_buf_vaddf(struct mae_buf *b, const char *fmt, va_list ap);
/* Give up the string (never NULL: "" when empty); b is reset. */
char *mae_buf_detach(struct mae_buf *b);
/* The string, never NULL. */
static inline const char *mae_buf_str(const struct mae_buf *b)
{
	return b->s ? b->s : "";
}

/* ------------------------------------------------------------------ */
/* Arena                                                                */

/*
 * A bump allocator: many small allocations, all freed at once by
 * mae_arena_release().  Memory is zeroed and aligned for any type.  With
 * `max` 0 it never fails (out of memory aborts, as mae_xmalloc); with a
 * byte limit in `max`, an allocation past it returns NULL and the arena
 * stays usable.  `bytes` counts what was handed out.
 */
struct mae_arena_chunk;

struct mae_arena {
	struct mae_arena_chunk *chunks;
	char *ptr;    /* free space of the current chunk */
	size_t avail;
	size_t bytes;
	size_t max;
};

#define MAE_ARENA_INIT { NULL, NULL, 0, 0, 0 }

void mae_arena_init(struct mae_arena *a);
/* Free everything; a stays initialised (and keeps its max). */
void mae_arena_release(struct mae_arena *a);
/* A heap-allocated arena, freed with everything in it by mae_arena_free
 * (NULL-safe). */
struct mae_arena *mae_arena_new(void);
void mae_arena_free(struct mae_arena *a);
void *mae_arena_alloc(struct mae_arena *a, size_t n);
/* count elements of size bytes, overflow-checked. */
void *mae_arena_array(struct mae_arena *a, size_t count, size_t size);
/* n bytes of s and a NUL (s may hold NULs); strdup gives NULL for NULL. */
char *mae_arena_strndup(struct mae_arena *a, const char *s, size_t n);
char *mae_arena_strdup(struct mae_arena *a, const char *s);
char *mae_arena_printf(struct mae_arena *a, const char *fmt, ...)
	MAE_PRINTF(2, 3);

/* ------------------------------------------------------------------ */
/* String map                                                           */

/*
 * Borrowed NUL-terminated keys to pointers: open addressing, linear
 * probing, FNV-1a, grown at half full.  The map never copies or frees a
 * key or a value: keys must outlive the map.  With an arena the slots are
 * allocated there and mae_map_release() frees nothing; when that arena
 * has a limit and reaches it, additions fail (false, NULL) and the map
 * stays as it was.  Without a limit they never fail.  A zeroed struct
 * is an empty map without arena.  Iterate with `for (i < cap) if
 * (slots[i].key)` (no order).
 */
struct mae_map_slot {
	const char *key;
	void *val;
};

struct mae_map {
	struct mae_map_slot *slots;
	size_t n, cap; /* cap: 0 or a power of two */
	struct mae_arena *arena;
};

/* FNV-1a of a string: the one string hash. */
size_t mae_str_hash(const char *s);
void mae_map_init(struct mae_map *m, struct mae_arena *arena);
void mae_map_release(struct mae_map *m);
/* Add key -> val; false (and nothing changed) when key is already there. */
bool mae_map_add(struct mae_map *m, const char *key, void *val);
/* Add key -> val, or replace the value of key; false at the limit. */
bool mae_map_set(struct mae_map *m, const char *key, void *val);
/*
 * The slot of key, added with a NULL value when absent (*added tells);
 * NULL at a limited arena's limit.
 * The caller may set the value, and may point the key at an equal string
 * that lives as long (its own copy).  Valid until the next addition.
 */
struct mae_map_slot *mae_map_slot(struct mae_map *m, const char *key,
				  bool *added);
/* The value of key, or NULL.  m may be NULL. */
void *mae_map_get(const struct mae_map *m, const char *key);

/* ------------------------------------------------------------------ */
/* UTF-8                                                                */

/*
 * The one decoder: the code point of the UTF-8 sequence at the start of
 * text[0..n) in *cp and its length (1-4), or 0 when there is none (an
 * invalid or continuation lead byte, a truncated sequence, a bad
 * continuation byte, an overlong form, a surrogate, past U+10FFFF).
 * Reads no byte past a bad one, so NUL-terminated text is safe with a
 * generous n.
 */
size_t mae_utf8_decode(const void *text, size_t n, uint32_t *cp);
/* Encode c (at most U+10FFFF) into out; returns its length (1-4). */
size_t mae_utf8_encode(uint32_t c, char out[4]);
void mae_buf_add_utf8(struct mae_buf *b, uint32_t c);
/* The length of the longest valid UTF-8 prefix of text[0..n) (NUL is a
 * character); valid: all of it. */
size_t mae_utf8_valid_prefix(const void *text, size_t n);
bool mae_utf8_valid(const void *text, size_t n);
/* Characters in valid UTF-8 text[0..n) (lead bytes counted). */
size_t mae_utf8_count(const void *text, size_t n);

/* ------------------------------------------------------------------ */
/* Strings                                                              */

bool mae_streq(const char *a, const char *b); /* NULL-safe */
bool mae_startswith(const char *s, const char *prefix);
bool mae_endswith(const char *s, const char *suffix);

/*
 * A user's value, fit to quote in a message: control characters written
 * as \n, \t or \xHH, and a value longer than MAE_QUOTE_CHARS characters
 * cut there and followed by "… (N bytes)".  Writes into buf (at least
 * MAE_QUOTE_BUF bytes) and returns it.  MAE_QUOTE(s) gives the buffer: it
 * lives until the end of the enclosing block, so it may be passed
 * straight to a formatting call.  NULL reads as "".
 */
#define MAE_QUOTE_CHARS 60
#define MAE_QUOTE_BUF (MAE_QUOTE_CHARS * 4 + 40)
char *mae_quote(char *buf, const char *s);
#define MAE_QUOTE(s) mae_quote((char[MAE_QUOTE_BUF]){ 0 }, (s))

/* Levenshtein distance, bounded: returns max + 1 when larger than max. */
size_t mae_edit_distance(const char *a, const char *b, size_t max);

/*
 * The candidate closest to `word` when it is close enough to be a likely
 * typo (distance <= 2, or a third of the word's length when longer), else
 * NULL.  Borrowed from cands.
 */
const char *mae_suggest(const char *word, const char *const *cands,
			size_t n);

/*
 * Read a whole file (or standard input when path is "-"), NUL-added, at
 * most max bytes.  Only a regular file is read: a directory, FIFO, socket
 * or device is refused before any read (MAE_ERR_INVALID, "'P' is a FIFO,
 * not a regular file"), so that a path never blocks.  MAE_ERR_NOTFOUND
 * when it does not exist, MAE_ERR_LIMIT past max, MAE_ERR_IO otherwise
 * (e->sys_errno set).
 */
int mae_read_file(const char *path, size_t max, char **ret_data,
		  size_t *ret_len, struct mae_error *e);

/*
 * The host[:port] of a URL: "https://user@quay.io:8443/v1/?x" gives
 * "quay.io:8443" (userinfo dropped), "//h/x" gives "h", and a text with
 * no "scheme://" is read as a host ("quay.io/v1" gives "quay.io").
 * Newly allocated; NULL for NULL.
 */
char *mae_url_host(const char *url);

/*
 * The length of hostport without its port: "reg:5000" 3, "[::1]:5000" 5
 * (brackets kept), "[::1]" and "reg" all of it.
 */
size_t mae_host_len(const char *hostport);

/* Monotonic milliseconds, for budgets and measurements. */
int64_t mae_now_ms(void);

/* ------------------------------------------------------------------ */
/* SHA-256, canonical JSON, Python's float repr, base64                */

#define MAE_SHA256_LEN 32
#define MAE_SHA256_HEX_LEN 64

/* Incremental SHA-256. */
struct mae_sha256 {
	void *ctx; /* libcrypto's, opaque */
};

void mae_sha256_init(struct mae_sha256 *h);
void mae_sha256_update(struct mae_sha256 *h, const void *data, size_t n);
/* Finish: out gets the 32 bytes of the digest.  Releases h. */
void mae_sha256_final(struct mae_sha256 *h, unsigned char out[MAE_SHA256_LEN]);
/* Finish: out gets 64 lowercase hex digits and a NUL.  Releases h. */
void mae_sha256_final_hex(struct mae_sha256 *h, char out[65]);

/* One-shot SHA-256: raw bytes, or hex. */
void mae_sha256(const void *data, size_t n, unsigned char out[MAE_SHA256_LEN]);
void mae_sha256_hex(const void *data, size_t n, char out[65]);

/*
 * Python's repr() of a double, as Python 3 prints it: shortest digits
 * that read back ("0.1", "1000.0", "1e+16", "5e-324", "-0.0", "inf",
 * "nan").  Writes at most 32 bytes including the NUL.
 */
void mae_float_repr(double f, char out[32]);

struct json_t;

/*
 * Canonical JSON: exactly the text of Python's json.dumps(v,
 * sort_keys=True, separators=(",", ":"), ensure_ascii=False) -- UTF-8,
 * object keys sorted by code point, no insignificant whitespace, '"' '\\'
 * and control characters escaped (\b \f \n \r \t, others \u00xx),
 * integers in decimal, reals as mae_float_repr().  The one writer of
 * every hashed or byte-stable JSON text (maestro.spec, model_hash, step
 * keys, plan hashes).
 *
 * A sink takes the next chunk of text; nonzero stops the writer, which
 * returns that value.
 */
typedef int (*mae_write_fn)(const void *data, size_t n, void *ctx);

int mae_json_write(const struct json_t *v, mae_write_fn fn, void *ctx);
/*
 * The same text laid out as json.dumps(v, indent=INDENT, sort_keys=True,
 * ensure_ascii=False) lays it out (one member a line, ": " after keys,
 * "{}" and "[]" when empty): for byte-stable output a user reads.
 * indent 0 is the canonical text.
 */
int mae_json_write_indent(const struct json_t *v, int indent,
			  mae_write_fn fn, void *ctx);
/* Append the canonical text to b; MAE_ERR_LIMIT if b overflowed. */
int mae_json_canonical_add(struct mae_buf *b, const struct json_t *v);
/* Append the text of mae_json_write_indent(v, indent) to b. */
int mae_json_indented_add(struct mae_buf *b, const struct json_t *v, int indent);
/* Newly allocated canonical text (length in *ret_len if not NULL);
 * NULL only if v is NULL. */
char *mae_json_canonical(const struct json_t *v);
char *mae_json_canonical_n(const struct json_t *v, size_t *ret_len);

/* Feed a value's canonical text to h, streamed (no whole string). */
void mae_sha256_add_json(struct mae_sha256 *h, const struct json_t *v);
/* SHA-256 of a value's canonical text: raw, or hex. */
void mae_json_sha256(const struct json_t *v, unsigned char out[MAE_SHA256_LEN]);
void mae_json_sha256_hex(const struct json_t *v, char out[65]);

/* HMAC-SHA256 of data under key, in hex (64 digits and a NUL). */
void mae_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
			 size_t n, char out[65]);

/*
 * How a secret value is stored and hashed (INTERFACES.md "Secrets"):
 * "hmac-sha256:" and the HMAC-SHA256 of the value under the database's
 * key (state_secret_key), newly written into out.
 */
#define MAE_SECRET_DIGEST_PREFIX "hmac-sha256:"
#define MAE_SECRET_DIGEST_LEN (sizeof(MAE_SECRET_DIGEST_PREFIX) - 1 + 64)
void mae_secret_digest(const void *key, size_t keylen, const char *value,
		       char out[MAE_SECRET_DIGEST_LEN + 1]);

/*
 * base64 of data, with '=' padding; `url` selects the URL-safe alphabet
 * ('-' and '_').  Newly allocated.
 */
char *mae_base64_encode(const void *data, size_t n, bool url);
/*
 * Decode either alphabet, padding optional, whitespace not allowed.
 * Returns 0 or MAE_ERR_INVALID.
 */
int mae_base64_decode(const char *text, size_t len, unsigned char **ret,
		      size_t *ret_len);

#endif
