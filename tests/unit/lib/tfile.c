/* File helpers for tests. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfile.h"

char *tfile_slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

void tfile_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

bool tfile_private_mounts(void)
{
	static int state; /* 0 not tried, 1 done, -1 not allowed */

	if (state == 0)
		state = unshare(CLONE_NEWNS) == 0 &&
				mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ? 1 : -1;
	return state == 1;
}

int tfile_mount_tmpfs(const char *dir, size_t size)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "size=%zu,mode=0700", size);
	return mount("tof-test", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

int tfile_bind_self(const char *path)
{
	return mount(path, path, NULL, MS_BIND, NULL);
}

int tfile_umount(const char *path)
{
	return umount2(path, MNT_DETACH);
}

const char *tfile_fill(const char *dir)
{
	static char path[256];
	static const char block[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	/* the last partial page too */
	while (write(fd, block, 1) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	return path;
}
