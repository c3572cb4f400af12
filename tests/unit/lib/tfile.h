/* Files for tests: whole-file reads and writes, and a small tmpfs for
 * tests of full or read-only disks (in a mount namespace of the test's
 * own, so nothing outlives it). */
#ifndef TESTS_TFILE_H
#define TESTS_TFILE_H

#include <stdbool.h>
#include <stddef.h>

/* The whole file, NUL-terminated (malloc'd), or NULL if it cannot be read. */
char *tfile_slurp(const char *path);
/* Replace the file's content with text; fails the test if it cannot. */
void tfile_write(const char *path, const char *text);

/* Enter a private mount namespace (once per process); false when that is
 * not allowed (not root): the caller skips its test. */
bool tfile_private_mounts(void);
/* Mount a tmpfs of size octets on dir; 0 or -1. */
int tfile_mount_tmpfs(const char *dir, size_t size);
/* Bind-mount a file onto itself: it cannot be renamed (EBUSY). */
int tfile_bind_self(const char *path);
/* Unmount what is mounted on path. */
int tfile_umount(const char *path);
/* Fill the file system of dir with a file until it is full; returns the
 * filler's path (static), to be removed to free the room again. */
const char *tfile_fill(const char *dir);

#endif
