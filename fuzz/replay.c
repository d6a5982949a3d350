/* make check: replay the seed corpora (fuzz/corpus/TARGET/) and every input that once broke
 * a target (fuzz/regressions/TARGET/) through the fuzz targets, built with the normal
 * compiler. Each input runs in its own process, so a crash, an abort or a sanitizer report
 * fails that input only. Usage: fuzz/replay [DIR...] (default: the two trees above). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (16u * 1024 * 1024)
#define REPLAY_TIMEOUT_S 20	/* a hang is a failure too */

static const struct target {
	const char *name;
	int (*run)(const uint8_t *data, size_t size);
} targets[] = {
	{ "dns", fuzz_dns },
	{ "kb", fuzz_kb },
	{ "ndr", fuzz_ndr },
	{ "smtp_reply", fuzz_smtp_reply },
	{ "spf", fuzz_spf },
	{ "validate", fuzz_validate },
};

static unsigned passed, failed;

/* Read path whole (caller frees), NULL with errno on failure. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > REPLAY_MAX_INPUT) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void
replay_one(const struct target *t, const char *path)
{
	size_t len = 0;
	uint8_t *buf = slurp(path, &len);
	pid_t pid;
	int status;

	if (buf == NULL) {
		failed++;
		printf("not ok - %s %s: cannot read: %s\n", t->name, path, strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(REPLAY_TIMEOUT_S);
		t->run(buf, len);
		free(buf);
		exit(0);
	}
	free(buf);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		failed++;
		printf("not ok - %s %s: cannot run: %s\n", t->name, path, strerror(errno));
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
		return;	/* only failures are listed: the corpora hold hundreds of inputs */
	}
	failed++;
	if (WIFSIGNALED(status))
		printf("not ok - %s %s: killed by signal %d%s\n", t->name, path, WTERMSIG(status),
		    WTERMSIG(status) == SIGALRM ? " (hang)" : "");
	else
		printf("not ok - %s %s: exit %d\n", t->name, path, WEXITSTATUS(status));
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every file in dir/<target>/, in name order. */
static void
replay_tree(const char *dir)
{
	size_t i, k;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char sub[4096], path[4096], **names = NULL;
		size_t n = 0, cap = 0, before = passed + failed;
		struct dirent *de;
		DIR *d;
		int w;

		w = snprintf(sub, sizeof(sub), "%s/%s", dir, targets[i].name);
		if (w < 0 || (size_t)w >= sizeof(sub))
			continue;
		d = opendir(sub);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = realloc(names, cap * sizeof(*names));
				if (names == NULL)
					abort();
			}
			names[n] = strdup(de->d_name);
			if (names[n] == NULL)
				abort();
			n++;
		}
		closedir(d);
		if (n > 0)
			qsort(names, n, sizeof(*names), by_name);
		for (k = 0; k < n; k++) {
			w = snprintf(path, sizeof(path), "%s/%s", sub, names[k]);
			if (w >= 0 && (size_t)w < sizeof(path))
				replay_one(&targets[i], path);
			free(names[k]);
		}
		free(names);
		printf("# %s: %zu inputs from %s\n", targets[i].name, passed + failed - before,
		    sub);
	}
}

int
main(int argc, char **argv)
{
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_tree(argv[i]);
	} else {
		replay_tree(MXD_SRCDIR "/fuzz/corpus");
		replay_tree(MXD_SRCDIR "/fuzz/regressions");
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
