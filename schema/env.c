/*
 * env.c - the pieces a container's environment is made of: name
 * normalisation N(x), the strings Docker receives for YAML values, an
 * insertion-ordered variable map, Docker env files and shell-like command
 * splitting (spec §3).  Image references are image-ref.c's.
 *
 * Nothing here prints or walks the model: schema/container.c puts the
 * pieces together.
 */
#include "compute.h"
#include "schema.h"

#include <stdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* N(x)                                                                 */

static bool is_word(uint32_t c)
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

static void add_upper(struct mae_buf *b, uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		c -= 32;
	else if (c == 0xdf) {
		mae_buf_adds(b, "SS");
		return;
	} else if (c == 0xb5)
		c = 0x39c;
	else if (c == 0xff)
		c = 0x178;
	else if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		c -= 32;
	mae_buf_add_utf8(b, c);
}

char *env_name_normalise(const char *name)
{
	struct mae_buf b = MAE_BUF_INIT;
	const unsigned char *s = (const unsigned char *)name;
	while (*s) {
		uint32_t c;
		/* NUL-terminated: the decoder stops at the NUL */
		size_t len = mae_utf8_decode(s, 4, &c);
		if (!len) {
			mae_buf_addc(&b, '_');
			s++;
			continue;
		}
		if (is_word(c))
			add_upper(&b, c);
		else
			mae_buf_addc(&b, '_');
		s += len;
	}
	return mae_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Values                                                               */

/*
 * MaestroNG's _env_list_expand: each list is its items joined by one
 * space, a nested list standing for its own join, so an empty list is an
 * empty item ([a, [], b] gives "a  b", [[], [x]] gives " x").
 */
static int flatten(const char *qkey, const struct schema_value *n,
		   struct mae_buf *b, struct mae_error *e)
{
	for (size_t i = 0; i < n->nitems; i++) {
		const struct schema_value *it = &n->items[i];
		if (i > 0)
			mae_buf_addc(b, ' ');
		if (it->kind == SCHEMA_V_LIST) {
			if (flatten(qkey, it, b, e) < 0)
				return MAE_ERR_INVALID;
			continue;
		}
		if (it->kind != SCHEMA_V_SCALAR || it->type != SCHEMA_S_STR) {
			mae_error_set(e, MAE_ERR_INVALID,
				      "list of environment variable %s holds %s; only strings and lists can be joined",
				      qkey,
				      it->kind == SCHEMA_V_MAP ? "a mapping"
				      : it->type == SCHEMA_S_NULL ? "a null"
				      : it->type == SCHEMA_S_BOOL ? "a boolean"
				      : it->type == SCHEMA_S_INT ? "an integer"
								 : "a float");
			if (e) {
				snprintf(e->file, sizeof(e->file), "%s",
					 it->pos.file ? it->pos.file : "");
				e->line = it->pos.line;
				e->col = it->pos.col;
			}
			return MAE_ERR_INVALID;
		}
		mae_buf_add(b, it->str, it->str_len);
	}
	return 0;
}

int env_value_format(const char *qkey, const struct schema_value *n,
		     char **ret, struct mae_error *e)
{
	*ret = NULL;
	if (!n || (n->kind == SCHEMA_V_SCALAR && n->type == SCHEMA_S_NULL))
		return 0;
	if (n->kind == SCHEMA_V_SCALAR) {
		*ret = mae_xstrndup(n->str, n->str_len);
		return 0;
	}
	if (n->kind == SCHEMA_V_MAP) {
		mae_error_set(e, MAE_ERR_INVALID,
			      "environment variable %s is a mapping; expected a string, a number, a boolean or a list",
			      qkey);
		if (e) {
			snprintf(e->file, sizeof(e->file), "%s",
				 n->pos.file ? n->pos.file : "");
			e->line = n->pos.line;
			e->col = n->pos.col;
		}
		return MAE_ERR_INVALID;
	}
	struct mae_buf b = MAE_BUF_INIT;
	if (flatten(qkey, n, &b, e) < 0) {
		mae_buf_release(&b);
		return MAE_ERR_INVALID;
	}
	*ret = mae_buf_detach(&b);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Ordered map                                                          */

void env_map_init(struct env_map *m)
{
	memset(m, 0, sizeof(*m));
}

void env_map_release(struct env_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	mae_map_release(&m->ix);
	memset(m, 0, sizeof(*m));
}

const struct env_var *env_map_get(const struct env_map *m, const char *key)
{
	size_t i = (size_t)mae_map_get(&m->ix, key);
	return i ? &m->v[i - 1] : NULL;
}

void env_map_set(struct env_map *m, const char *key, const char *value)
{
	bool added;
	struct mae_map_slot *slot = mae_map_slot(&m->ix, key, &added);
	if (!added) {
		struct env_var *v = &m->v[(size_t)slot->val - 1];
		free(v->value);
		v->value = mae_xstrdup_or_null(value);
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->v = mae_xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	m->v[m->n].key = mae_xstrdup(key);
	m->v[m->n].value = mae_xstrdup_or_null(value);
	m->n++;
	/* the map keeps the copy, which does not move when v grows */
	slot->key = m->v[m->n - 1].key;
	slot->val = (void *)m->n;
}

void env_map_update(struct env_map *m, const struct env_map *src)
{
	for (size_t i = 0; i < src->n; i++)
		env_map_set(m, src->v[i].key, src->v[i].value);
}

/* ------------------------------------------------------------------ */
/* Env files                                                            */

static bool is_space(char c)
{
	/* what Python's str.strip() removes, in ASCII */
	return c == ' ' || (c >= '\t' && c <= '\r') ||
	       (c >= '\x1c' && c <= '\x1f');
}

const char *env_name_problem(const char *k)
{
	if (!*k)
		return "it is empty";
	if (strchr(k, '='))
		return "it holds '=', which ends a name";
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "it holds a control character";
	return NULL;
}

int envfile_parse(const char *path, const char *data, size_t len,
		  struct env_map *m, struct mae_error *e)
{
	if (memchr(data, 0, len) || !mae_utf8_valid(data, len))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "environment file '%s' is not UTF-8 text",
				     MAE_QUOTE(path));
	int lineno = 0;
	size_t i = 0;
	while (i < len) {
		/* universal newlines, as Python's text mode reads */
		size_t start = i;
		while (i < len && data[i] != '\n' && data[i] != '\r')
			i++;
		size_t end = i;
		if (i < len && data[i] == '\r' && i + 1 < len &&
		    data[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
		lineno++;
		if (end > start && data[start] == '#')
			continue;
		while (start < end && is_space(data[start]))
			start++;
		while (end > start && is_space(data[end - 1]))
			end--;
		if (start == end)
			continue;
		const char *eq = memchr(data + start, '=', end - start);
		if (!eq) {
			/* where, not what: the line may be a secret */
			mae_error_set(e, MAE_ERR_INVALID,
				      "invalid line %d in environment file '%s': "
				      "no '=' (the line is not shown)", lineno,
				      MAE_QUOTE(path));
			if (e) {
				snprintf(e->file, sizeof(e->file), "%s", path);
				e->line = lineno;
				e->col = 1;
			}
			return MAE_ERR_INVALID;
		}
		char *key = mae_xstrndup(data + start, (size_t)(eq - data - start));
		const char *why = env_name_problem(key);
		if (why) {
			free(key);
			mae_error_set(e, MAE_ERR_INVALID,
				      "invalid line %d in environment file '%s': "
				      "the name before '=' is not valid: %s",
				      lineno, MAE_QUOTE(path), why);
			if (e) {
				snprintf(e->file, sizeof(e->file), "%s", path);
				e->line = lineno;
				e->col = 1;
			}
			return MAE_ERR_INVALID;
		}
		char *val = mae_xstrndup(eq + 1, (size_t)(data + end - eq - 1));
		env_map_set(m, key, val);
		free(key);
		free(val);
	}
	return 0;
}

int envfile_read(const char *path, struct env_map *m, struct mae_error *e)
{
	char *data = NULL;
	size_t len = 0;
	struct mae_error re;
	mae_error_clear(&re);
	if (mae_read_file(path, (size_t)16 << 20, &data, &len, &re) < 0) {
		if (re.sys_errno)
			mae_error_set(e, MAE_ERR_IO,
				      "cannot read environment file '%s': %s",
				      MAE_QUOTE(path), strerror(re.sys_errno));
		else /* "'P' is a FIFO, not a regular file", too large */
			mae_error_set(e, MAE_ERR_IO, "environment file %s",
				      re.msg);
		if (e)
			e->sys_errno = re.sys_errno;
		return MAE_ERR_IO;
	}
	int rc = envfile_parse(path, data, len, m, e);
	free(data);
	return rc;
}
