/*
 * replay-main.c - a main() for fuzz targets in ordinary builds: runs
 * LLVMFuzzerTestOneInput over every file of the directories (or the
 * files) given, so that the test suite replays each corpus (and every
 * crash reproducer kept in it) under the sanitizers.  Fails when a
 * corpus is missing or empty, so that a replay cannot pass vacuously.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	char *data;
	size_t len;
	struct mae_error e;
	if (mae_read_file(path, (size_t)64 << 20, &data, &len, &e) < 0) {
		fprintf(stderr, "replay: %s\n", e.msg);
		return -1;
	}
	/* a copy of exactly len bytes, so ASan sees reads past the end */
	uint8_t *copy = mae_xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	free(data);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: cannot open '%s'\n", dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = mae_xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = mae_xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(names[i]) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (run_file(argv[i]) < 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	if (count == 0) {
		fprintf(stderr, "replay: no input files\n");
		return 1;
	}
	printf("replay: %zu inputs ran without a crash\n", count);
	return rc;
}
