/* The services' state file: strict load, seeding, atomic save. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent_chain_json.h"
#include "agent_state.h"
#include "agent_svc_json.h"
#include "config_read.h"

#define STATE_VERSION 2 /* 2: chains */
#define STATE_MAX_BYTES (256u << 20) /* far above 1M services' worth */
#define STATE_MAX_SERVICES (1u << 20) /* the largest max_services */

struct tof_state {
	char *path;        /* NULL: nothing is kept */
	char *tmp;         /* path.tmp */
	char *dir;         /* directory of path, fsync'd after a rename */
	int lock_fd;
	char disabled[400]; /* why saves are refused ("" while they are not) */
};

static char *str_printf(const char *fmt, const char *a)
{
	size_t n = strlen(fmt) + strlen(a) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, fmt, a);
	return s;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = strndup(path, (size_t)(slash - path));
	return d;
}

int tof_state_open(const char *path, struct tof_state **out, char *err, size_t errlen)
{
	struct tof_state *st = calloc(1, sizeof(*st));
	struct stat sb;
	char *lock = NULL;

	*out = NULL;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->lock_fd = -1;
	if (!path) {
		*out = st;
		return 0;
	}
	st->path = strdup(path);
	st->tmp = str_printf("%s.tmp", path);
	st->dir = dir_of(path);
	lock = str_printf("%s.lock", path);
	if (!st->path || !st->tmp || !st->dir || !lock) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (stat(st->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "state_file: directory %s does not exist", st->dir);
		goto fail;
	}
	if (access(st->dir, W_OK) < 0) {
		snprintf(err, errlen, "state_file: cannot write in %s: %s", st->dir,
			 strerror(errno));
		goto fail;
	}
	/* Symbolic links in the state directory are never followed: whoever
	 * planted one does not get us to write or truncate its target. */
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0) {
		/* without the lock no file is written: run on, but keep nothing */
		snprintf(st->disabled, sizeof(st->disabled), "%s: %s", lock,
			 errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		free(lock);
		*out = st;
		return 0;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "state_file: %s is in use by another tofd (%s is locked)",
			 path, lock);
		goto fail;
	}
	/* A temp file means a save died before its rename: not acknowledged,
	 * so not part of the state. (unlink removes a link, not its target.) */
	if (unlink(st->tmp) < 0 && errno != ENOENT && errno != EISDIR) {
		snprintf(err, errlen, "state_file: cannot remove %s: %s", st->tmp,
			 strerror(errno));
		goto fail;
	}
	free(lock);
	*out = st;
	return 0;
fail:
	free(lock);
	tof_state_close(st);
	return -1;
}

void tof_state_close(struct tof_state *st)
{
	if (!st)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the lock */
	free(st->path);
	free(st->tmp);
	free(st->dir);
	free(st);
}

bool tof_state_persistent(const struct tof_state *st)
{
	return st && st->path && !st->disabled[0];
}

void tof_state_disable(struct tof_state *st, const char *why)
{
	if (st->path && !st->disabled[0])
		snprintf(st->disabled, sizeof(st->disabled), "%s", why);
}

const char *tof_state_disabled(const struct tof_state *st)
{
	return st && st->disabled[0] ? st->disabled : NULL;
}

const char *tof_state_path(const struct tof_state *st)
{
	return st && st->path ? st->path : NULL;
}

void tof_state_doc_free(struct tof_state_doc *d)
{
	free(d->svcs);
	free(d->chains);
	memset(d, 0, sizeof(*d));
}

/* "services" or "chains": each entry through its reader, errors named by
 * index ("services[3].serviceIP"). */
static int state_parse_list(const json_t *arr, const char *what, bool chains,
			    struct tof_state_doc *d, char *err, size_t errlen)
{
	size_t count = json_array_size(arr), size;
	struct tof_svc_json_err e;
	void *list;

	if (count > STATE_MAX_SERVICES) {
		snprintf(err, errlen, "\"%s\": more than %u entries", what, STATE_MAX_SERVICES);
		return -1;
	}
	if (count == 0)
		return 0;
	size = chains ? sizeof(*d->chains) : sizeof(*d->svcs);
	list = calloc(count, size);
	if (!list) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (chains)
		d->chains = list, d->n_chains = (uint32_t)count;
	else
		d->svcs = list, d->n_svcs = (uint32_t)count;
	for (size_t i = 0; i < count; i++) {
		const json_t *v = json_array_get(arr, i);
		int rc = chains ? tof_chain_json_read(v, 0, &d->chains[i], NULL, &e) :
				  tof_svc_json_read(v, 0, &d->svcs[i], NULL, &e);

		if (rc < 0) {
			if (e.field[0])
				snprintf(err, errlen, "\"%s[%zu].%s\": %s", what, i, e.field, e.msg);
			else
				snprintf(err, errlen, "\"%s[%zu]\": %s", what, i, e.msg);
			return -1;
		}
	}
	return 0;
}

int tof_state_parse_doc(const char *json, size_t len, struct tof_state_doc *d,
			bool *has_chains, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *svcs = NULL, *chains = NULL, *v;
	const char *key;
	json_int_t version = 0;

	memset(d, 0, sizeof(*d));
	*has_chains = false;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the top level must be a JSON object");
		goto fail;
	}
	json_object_foreach(root, key, v) {
		char t[CFG_TEXT_MAX];

		if (strcmp(key, "version") == 0) {
			version = json_is_integer(v) ? json_integer_value(v) : 0;
			if (version < 1 || version > STATE_VERSION) {
				snprintf(err, errlen, "\"version\": must be 1 to %d (a newer tofd "
					 "wrote this file?)", STATE_VERSION);
				goto fail;
			}
		} else if (strcmp(key, "services") == 0 || strcmp(key, "chains") == 0) {
			if (!json_is_array(v)) {
				snprintf(err, errlen, "\"%s\": must be an array", key);
				goto fail;
			}
			*(key[0] == 's' ? &svcs : &chains) = v;
		} else {
			snprintf(err, errlen, "\"%s\": unknown field",
				 cfg_text(key, t, sizeof(t)));
			goto fail;
		}
	}
	if (!version || !svcs || (version >= 2 && !chains)) {
		snprintf(err, errlen, "\"%s\": missing", !version ? "version" :
			 !svcs ? "services" : "chains");
		goto fail;
	}
	if (chains && version < 2) {
		snprintf(err, errlen, "\"chains\": not in a version 1 file");
		goto fail;
	}
	if (state_parse_list(svcs, "services", false, d, err, errlen) < 0 ||
	    (chains && state_parse_list(chains, "chains", true, d, err, errlen) < 0))
		goto fail;
	*has_chains = version >= 2;
	json_decref(root);
	return 0;
fail:
	tof_state_doc_free(d);
	json_decref(root);
	return -1;
}

int tof_state_parse(const char *json, size_t len, struct tof_service_config **svcs,
		    uint32_t *n, char *err, size_t errlen)
{
	struct tof_state_doc d;
	bool has_chains;
	int rc = tof_state_parse_doc(json, len, &d, &has_chains, err, errlen);

	*svcs = d.svcs;
	*n = d.n_svcs;
	free(d.chains);
	return rc;
}

/* Read the whole file; 1 if it does not exist, 0 done, -1 error. Only a
 * regular file is read: not a link's target, a FIFO or a device. */
static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	size_t got = 0;
	char *b;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s", errno == ELOOP ? "a symbolic link (refused)" :
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)STATE_MAX_BYTES) {
		snprintf(err, errlen, "%s", sb.st_size > (off_t)STATE_MAX_BYTES ? "too big" :
			 !S_ISREG(sb.st_mode) ? "not a regular file" : strerror(errno));
		close(fd);
		return -1;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (!b) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, b + got, (size_t)sb.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s", r < 0 ? strerror(errno) : "short read");
			free(b);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

/* A copy of count entries of size bytes (NULL when count is 0). */
static int state_copy(void **out, const void *src, size_t count, size_t size)
{
	*out = NULL;
	if (count == 0)
		return 0;
	*out = malloc(count * size);
	if (!*out)
		return -1;
	memcpy(*out, src, count * size);
	return 0;
}

int tof_state_load_doc(struct tof_state *st, const struct tof_config *cfg,
		       struct tof_state_doc *d, bool *seeded, char *err, size_t errlen)
{
	char msg[512];
	char *buf = NULL;
	size_t len = 0;
	bool has_chains = false;
	int rc;

	memset(d, 0, sizeof(*d));
	*seeded = false;
	rc = st->path ? read_file(st->path, &buf, &len, msg, sizeof(msg)) : 1;
	if (rc < 0) {
		snprintf(err, errlen, "state_file %s: %s", st->path, msg);
		return -1;
	}
	if (rc == 0) {
		rc = tof_state_parse_doc(buf, len, d, &has_chains, msg, sizeof(msg));
		free(buf);
		if (rc < 0) {
			snprintf(err, errlen, "state_file %s: %s", st->path, msg);
			return -1;
		}
	} else {
		/* first start (or no persistence): the config's services */
		*seeded = true;
		if (state_copy((void **)&d->svcs, cfg->services, cfg->n_services,
			       sizeof(*d->svcs)) < 0)
			goto oom;
		d->n_svcs = cfg->n_services;
	}
	if (!has_chains) {
		/* seeded, or a file from before chains: the config's chains */
		if (state_copy((void **)&d->chains, cfg->chains, cfg->n_chains,
			       sizeof(*d->chains)) < 0)
			goto oom;
		d->n_chains = cfg->n_chains;
	}
	return 0;
oom:
	tof_state_doc_free(d);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int tof_state_load(struct tof_state *st, const struct tof_config *cfg,
		   struct tof_service_config **svcs, uint32_t *n, bool *seeded, char *err,
		   size_t errlen)
{
	struct tof_state_doc d;
	int rc = tof_state_load_doc(st, cfg, &d, seeded, err, errlen);

	*svcs = d.svcs;
	*n = d.n_svcs;
	free(d.chains);
	return rc;
}

static int fsync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd < 0 ? -1 : fsync(dfd);

	if (dfd >= 0)
		close(dfd);
	return rc;
}

int tof_state_set_aside(struct tof_state *st, char *moved_to, size_t len, char *err,
			size_t errlen)
{
	char stamp[32], *bad = NULL;
	struct tm tm;
	time_t now = time(NULL);
	int rc = -1;

	moved_to[0] = '\0';
	if (!st->path)
		return 0;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	bad = malloc(strlen(st->path) + sizeof(stamp) + 16);
	if (!bad) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* never over an earlier bad file: -1, -2, ... when the second is taken */
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			sprintf(bad, "%s.bad-%s", st->path, stamp);
		else
			sprintf(bad, "%s.bad-%s-%d", st->path, stamp, i);
		rc = renameat2(AT_FDCWD, st->path, AT_FDCWD, bad, RENAME_NOREPLACE);
		if (rc == 0 || errno != EEXIST)
			break;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot move %s aside: %s", st->path, strerror(errno));
	} else {
		snprintf(moved_to, len, "%s", bad);
		if (fsync_dir(st->dir) < 0)
			snprintf(err, errlen, "%s: fsync: %s", st->dir, strerror(errno));
		else
			rc = 0;
	}
out:
	if (rc < 0) {
		/* the file stays as it is, for whoever looks into it: never
		 * overwrite it */
		char why[sizeof(st->disabled)];

		snprintf(why, sizeof(why), "%s (changes are refused so it is not overwritten)",
			 err);
		tof_state_disable(st, why);
	}
	free(bad);
	return rc;
}

int tof_state_check(const char *path, long *n_services, char *err, size_t errlen)
{
	struct tof_service_config *svcs = NULL;
	char msg[512], *buf = NULL, *dir = dir_of(path);
	struct stat sb;
	size_t len = 0;
	uint32_t n = 0;
	int rc;

	*n_services = -1;
	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode);
	if (rc)
		snprintf(err, errlen, "state_file: directory %s does not exist", dir);
	free(dir);
	if (rc)
		return -1;
	rc = read_file(path, &buf, &len, msg, sizeof(msg));
	if (rc == 1)
		return 0;
	if (rc == 0) {
		rc = tof_state_parse(buf, len, &svcs, &n, msg, sizeof(msg));
		free(buf);
		free(svcs);
	}
	if (rc < 0) {
		snprintf(err, errlen, "state_file %s: %s", path, msg);
		return 1;
	}
	*n_services = (long)n;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static char *state_dump(const struct tof_state_doc *d)
{
	json_t *root = json_object(), *svcs = json_array(), *chains = json_array();
	char *text = NULL;
	bool oom = !root || !svcs || !chains;

	for (uint32_t i = 0; i < d->n_svcs && !oom; i++) {
		json_t *o = tof_svc_json_write(&d->svcs[i]);

		oom = !o || json_array_append_new(svcs, o) < 0;
	}
	for (uint32_t i = 0; i < d->n_chains && !oom; i++) {
		json_t *o = tof_chain_json_write(&d->chains[i]);

		oom = !o || json_array_append_new(chains, o) < 0;
	}
	if (!oom && json_object_set_new(root, "version", json_integer(STATE_VERSION)) == 0 &&
	    json_object_set(root, "services", svcs) == 0 &&
	    json_object_set(root, "chains", chains) == 0)
		text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(svcs);
	json_decref(chains);
	json_decref(root);
	return text;
}

/* Out of room (a full disk or quota) rather than any other failure. */
static bool errno_nospace(int e)
{
	return e == ENOSPC || e == EDQUOT;
}

int tof_state_prepare_doc(struct tof_state *st, const struct tof_state_doc *d, char *err,
			  size_t errlen)
{
	char *text;
	int fd, rc = -1, e = 0;

	if (!st->path)
		return 0;
	if (st->disabled[0]) {
		snprintf(err, errlen, "the state file is not written: %s", st->disabled);
		return -1;
	}
	text = state_dump(d);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* O_EXCL: the name is ours alone, and a link there is not followed */
	fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && unlink(st->tmp) == 0)
		fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", st->tmp, strerror(e));
		free(text);
		return errno_nospace(e) ? TOF_STATE_NOSPACE : -1;
	}
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
		snprintf(err, errlen, "%s: write: %s", st->tmp, strerror(e = errno));
	else if (fsync(fd) < 0)
		snprintf(err, errlen, "%s: fsync: %s", st->tmp, strerror(e = errno));
	else
		rc = 0;
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "%s: close: %s", st->tmp, strerror(e = errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(st->tmp);
		if (errno_nospace(e))
			rc = TOF_STATE_NOSPACE;
	}
	free(text);
	return rc;
}

int tof_state_prepare(struct tof_state *st, const struct tof_service_config *svcs, uint32_t n,
		      char *err, size_t errlen)
{
	struct tof_state_doc d = { .svcs = (struct tof_service_config *)svcs, .n_svcs = n };

	return tof_state_prepare_doc(st, &d, err, errlen);
}

int tof_state_commit(struct tof_state *st, char *err, size_t errlen)
{
	if (!st->path)
		return 0;
	if (rename(st->tmp, st->path) < 0) {
		snprintf(err, errlen, "rename %s to %s: %s", st->tmp, st->path, strerror(errno));
		unlink(st->tmp);
		return -1;
	}
	/* the rename itself must reach the disk before we say it happened */
	if (fsync_dir(st->dir) < 0) {
		snprintf(err, errlen, "%s: fsync: %s", st->dir, strerror(errno));
		return -1;
	}
	return 0;
}

int tof_state_save_doc(struct tof_state *st, const struct tof_state_doc *d, char *err,
		       size_t errlen)
{
	int rc = tof_state_prepare_doc(st, d, err, errlen);

	if (rc < 0)
		return rc;
	return tof_state_commit(st, err, errlen);
}

int tof_state_save(struct tof_state *st, const struct tof_service_config *svcs, uint32_t n,
		   char *err, size_t errlen)
{
	struct tof_state_doc d = { .svcs = (struct tof_service_config *)svcs, .n_svcs = n };

	return tof_state_save_doc(st, &d, err, errlen);
}
