/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/replay.c - runs LLVMFuzzerTestOneInput over files or
 * directories (one level) without libFuzzer, e.g. with gcc and ASan.
 * Exit 0 if every input ran; a finding aborts.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);	/* exact size: ASan sees overreads */
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned runs = 0, errs = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *de;
		char path[4096];

		if (stat(argv[i], &st))
			continue;
		if (!S_ISDIR(st.st_mode)) {
			errs += run_file(argv[i]) != 0;
			runs++;
			continue;
		}
		dir = opendir(argv[i]);
		while (dir && (de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			errs += run_file(path) != 0;
			runs++;
		}
		if (dir)
			closedir(dir);
	}
	printf("replayed %u inputs, %u unreadable\n", runs, errs);
	return errs ? 1 : 0;
}
