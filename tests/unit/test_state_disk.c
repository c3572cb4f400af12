/* The state file on hostile or failing disks: symbolic links are never
 * followed, a file that cannot be used is moved aside (and kept), a full
 * disk fails a save with "no space" and leaves the old file whole, and a
 * bad file that cannot be moved disables saves rather than be lost.
 * The disk tests mount a small tmpfs in a mount namespace of their own
 * (root; skipped otherwise). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent_state.h"
#include "config.h"
#include "tctl.h"
#include "tfile.h"

#define ERRLEN 512

struct fx {
	char dir[64];
	char path[96];
	char outside[96]; /* a file a planted link points to */
	struct tof_config cfg;
	bool mounted;
};

static const char outside_text[] = "not tofd's: must stay as it is\n";

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[ERRLEN];

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tof-test-disk.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/state.json", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s.outside", f->dir);
	if (tof_config_load_string("{}", &f->cfg, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];

	if (f->mounted)
		tfile_umount(f->dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", f->dir, f->outside);
	if (system(cmd) != 0)
		return -1;
	tof_config_free(&f->cfg);
	free(f);
	return 0;
}

/* A small tmpfs on the fixture's directory, or skip the test. */
static void fx_tmpfs(struct fx *f, size_t size)
{
	if (!tfile_private_mounts())
		skip();
	assert_int_equal(tfile_mount_tmpfs(f->dir, size), 0);
	f->mounted = true;
}

static void assert_outside_untouched(const struct fx *f)
{
	char *t = tfile_slurp(f->outside);

	assert_non_null(t);
	assert_string_equal(t, outside_text);
	free(t);
}

/* The names in dir that start with prefix. */
static int count_prefixed(const char *dir, const char *prefix, char *first, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
			if (n++ == 0)
				snprintf(first, len, "%.64s/%.255s", dir, de->d_name);
		}
	}
	closedir(d);
	return n;
}

static void test_state_link_refused(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10"), *v;
	struct tof_state *st;
	char err[ERRLEN] = "", moved[400], bad[400];
	uint32_t n;
	bool seeded;

	tfile_write(f->outside, outside_text);
	assert_int_equal(symlink(f->outside, f->path), 0);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* moved aside: the link itself, not its target */
	assert_int_equal(tof_state_set_aside(st, moved, sizeof(moved), err, sizeof(err)), 0);
	assert_int_equal(count_prefixed(f->dir, "state.json.bad-", bad, sizeof(bad)), 1);
	assert_string_equal(bad, moved);
	struct stat sb;
	assert_int_equal(lstat(moved, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	/* a new, regular file from now on */
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), 0);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_outside_untouched(f);
	tof_state_close(st);
}

static void test_tmp_link_not_followed(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10");
	struct tof_state *st;
	char err[ERRLEN] = "", tmp[128];
	struct stat sb;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	tfile_write(f->outside, outside_text);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	/* planted after start, between two saves */
	assert_int_equal(symlink(f->outside, tmp), 0);
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), 0);
	assert_outside_untouched(f);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(lstat(tmp, &sb), -1);
	tof_state_close(st);
}

static void test_lock_link_disables(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10");
	struct tof_state *st;
	char err[ERRLEN] = "", lock[128];

	snprintf(lock, sizeof(lock), "%s.lock", f->path);
	tfile_write(f->outside, outside_text);
	assert_int_equal(symlink(f->outside, lock), 0);
	/* tofd runs on, but keeps nothing: without the lock it writes nothing */
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_non_null(tof_state_disabled(st));
	assert_non_null(strstr(tof_state_disabled(st), "symbolic link"));
	assert_false(tof_state_persistent(st));
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not written"));
	assert_int_equal(access(f->path, F_OK), -1);
	assert_outside_untouched(f);
	tof_state_close(st);
}

/* A directory, and then a corrupt file, where the state goes: both moved
 * aside under distinct names, content kept. */
static void test_set_aside_keeps_every_bad_file(void **state)
{
	struct fx *f = *state;
	struct tof_service_config *v;
	struct tof_state *st;
	char err[ERRLEN] = "", m1[256], m2[256], *t;
	uint32_t n;
	bool seeded;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(tof_state_set_aside(st, m1, sizeof(m1), err, sizeof(err)), 0);
	tfile_write(f->path, "{\"version\": 1, \"services\": [{\"na");
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	assert_int_equal(tof_state_set_aside(st, m2, sizeof(m2), err, sizeof(err)), 0);
	assert_string_not_equal(m1, m2);
	assert_non_null(strstr(m1, "/state.json.bad-"));
	t = tfile_slurp(m2);
	assert_string_equal(t, "{\"version\": 1, \"services\": [{\"na");
	free(t);
	/* and the state starts afresh: no file, so the config's services */
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), 0);
	assert_true(seeded);
	assert_null(tof_state_disabled(st));
	tof_state_close(st);
}

/* Disk full: the save says "no space", the old file is whole, no temp
 * file is left, and once there is room again saves work. */
static void test_disk_full_keeps_old(void **state)
{
	struct fx *f = *state;
	struct tof_service_config svcs[40];
	struct tof_state *st;
	char err[ERRLEN] = "", tmp[128], *before, *after;
	const char *filler;

	fx_tmpfs(f, 64 * 1024);
	for (int i = 0; i < 40; i++) {
		char name[16], sip[32], aip[32];

		snprintf(name, sizeof(name), "svc%d", i);
		snprintf(sip, sizeof(sip), "203.0.113.%d", 100 + i);
		snprintf(aip, sizeof(aip), "198.51.100.%d", 10 + i);
		svcs[i] = tctl_svc(name, sip, aip);
	}
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_save(st, svcs, 2, err, sizeof(err)), 0);
	before = tfile_slurp(f->path);
	filler = tfile_fill(f->dir);
	assert_int_equal(tof_state_save(st, svcs, 40, err, sizeof(err)), TOF_STATE_NOSPACE);
	assert_non_null(strstr(err, "No space left"));
	after = tfile_slurp(f->path);
	assert_string_equal(before, after);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(tof_state_save(st, svcs, 40, err, sizeof(err)), 0);
	free(before);
	free(after);
	tof_state_close(st);
}

/* The bad file cannot be moved aside (here: it is busy, a mount point;
 * as on a disk gone read-only or failing): saves are refused from then
 * on, so it is never overwritten. */
static void test_unmovable_bad_file_disables(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10"), *v;
	struct tof_state *st;
	char err[ERRLEN] = "", moved[256], *t;
	uint32_t n;
	bool seeded;

	if (!tfile_private_mounts())
		skip();
	tfile_write(f->path, "garbage");
	assert_int_equal(tfile_bind_self(f->path), 0);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	assert_int_equal(tof_state_set_aside(st, moved, sizeof(moved), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot move"));
	assert_non_null(tof_state_disabled(st));
	assert_false(tof_state_persistent(st));
	assert_int_equal(tfile_umount(f->path), 0);
	/* even once it could be: refused until restart, the file kept */
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not written"));
	t = tfile_slurp(f->path);
	assert_string_equal(t, "garbage");
	free(t);
	tof_state_close(st);
}

/* A chain of one function, for the version 2 document. */
static struct tof_chain_config chain_of(const char *name, const char *in, const char *out)
{
	struct tof_chain_config c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.n_hops = 1;
	snprintf(c.hops[0].ingress, sizeof(c.hops[0].ingress), "%s", in);
	snprintf(c.hops[0].egress, sizeof(c.hops[0].egress), "%s", out);
	return c;
}

/* Services and chains together (version 2): a full disk fails the save of
 * more chains with "no space", and the old file, chains and all, stays. */
static void test_disk_full_keeps_old_chains(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10");
	struct tof_chain_config chains[40];
	struct tof_state_doc d = { .svcs = &a, .n_svcs = 1, .chains = chains, .n_chains = 1 }, got;
	struct tof_state *st;
	char err[ERRLEN] = "", tmp[128], *before, *after;
	const char *filler;
	bool has_chains;

	fx_tmpfs(f, 64 * 1024);
	for (int i = 0; i < 40; i++) {
		char name[24], in[24], out[24];

		snprintf(name, sizeof(name), "fw%d", i);
		snprintf(in, sizeof(in), "fw%d-in", i);
		snprintf(out, sizeof(out), "fw%d-out", i);
		chains[i] = chain_of(name, in, out);
	}
	strcpy(a.chain, "fw0");
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_save_doc(st, &d, err, sizeof(err)), 0);
	before = tfile_slurp(f->path);
	filler = tfile_fill(f->dir);
	d.n_chains = 40;
	assert_int_equal(tof_state_save_doc(st, &d, err, sizeof(err)), TOF_STATE_NOSPACE);
	assert_non_null(strstr(err, "No space left"));
	after = tfile_slurp(f->path);
	assert_string_equal(before, after);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(access(tmp, F_OK), -1);
	/* what is there is still the one chain and its service */
	assert_int_equal(tof_state_parse_doc(after, strlen(after), &got, &has_chains, err,
					     sizeof(err)), 0);
	assert_true(has_chains);
	assert_int_equal(got.n_svcs, 1);
	assert_int_equal(got.n_chains, 1);
	assert_string_equal(got.chains[0].name, "fw0");
	tof_state_doc_free(&got);
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(tof_state_save_doc(st, &d, err, sizeof(err)), 0);
	free(before);
	free(after);
	tof_state_close(st);
}

/* A version 2 file with a bad chain is moved aside like any bad file; the
 * state then starts from the config's services and chains. A disabled
 * state refuses a save of chains as of services. */
static void test_bad_chains_set_aside(void **state)
{
	struct fx *f = *state;
	struct tof_chain_config c = chain_of("fw", "fw1-in", "fw1-out");
	struct tof_state_doc d = { .chains = &c, .n_chains = 1 };
	struct tof_config cfg;
	struct tof_state *st;
	char err[ERRLEN] = "", moved[256], *t;
	const char *bad = "{\"version\": 2, \"services\": [], \"chains\": [{\"name\": \"fw\", "
			  "\"hops\": [{\"ingress\": \"a b\"}]}]}";
	bool seeded;

	assert_int_equal(tof_config_load_string(
		"{\"chains\": [{\"name\": \"cfgfw\", \"hops\": [{\"ingress\": \"p1\"}]}], "
		"\"services\": [{\"name\": \"cache\", \"serviceIP\": \"203.0.113.100\", "
		"\"applicationIP\": \"198.51.100.10\", \"chain\": \"cfgfw\"}]}", &cfg, err,
		sizeof(err)), 0);
	tfile_write(f->path, bad);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load_doc(st, &cfg, &d, &seeded, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chains[0].hops[0].ingress"));
	assert_int_equal(tof_state_set_aside(st, moved, sizeof(moved), err, sizeof(err)), 0);
	t = tfile_slurp(moved);
	assert_string_equal(t, bad);
	free(t);
	assert_int_equal(tof_state_load_doc(st, &cfg, &d, &seeded, err, sizeof(err)), 0);
	assert_true(seeded);
	assert_int_equal(d.n_svcs, 1);
	assert_string_equal(d.svcs[0].chain, "cfgfw");
	assert_int_equal(d.n_chains, 1);
	assert_string_equal(d.chains[0].name, "cfgfw");
	tof_state_doc_free(&d);
	/* disabled: chains are not written either, and nothing is touched */
	tof_state_disable(st, "test");
	d = (struct tof_state_doc){ .chains = &c, .n_chains = 1 };
	assert_int_equal(tof_state_save_doc(st, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not written"));
	assert_int_equal(access(f->path, F_OK), -1);
	tof_state_close(st);
	tof_config_free(&cfg);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_state_link_refused),
		T(test_tmp_link_not_followed),
		T(test_lock_link_disables),
		T(test_set_aside_keeps_every_bad_file),
		T(test_disk_full_keeps_old),
		T(test_unmovable_bad_file_disables),
		T(test_disk_full_keeps_old_chains),
		T(test_bad_chains_set_aside),
	};
#undef T
	return cmocka_run_group_tests_name("state_disk", tests, NULL, NULL);
}
