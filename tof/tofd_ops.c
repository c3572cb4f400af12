/* tofd --check-config and tofd reload. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_state.h"
#include "api.h"
#include "config.h"
#include "tofd_cmds.h"

/* What `tofd run` would refuse at start-up, short of opening ports: the
 * config itself (strict, every field), the API's listen address, token and
 * TLS files, and the state file's directory. A state file that cannot be
 * used is only warned about: tofd run starts anyway (degraded). */
int tofd_cmd_check_config(int argc, char **argv)
{
	struct tof_api_client api;
	struct tof_config cfg;
	char err[1024] = "", api_where[64] = "";
	const char *path;
	long n_state = -1;
	int rc = TOFD_EXIT_OK, st = 0;

	if (argc != 2) {
		fprintf(stderr, "tofd: usage: tofd --check-config FILE\n");
		return TOFD_EXIT_USAGE;
	}
	path = argv[1];
	if (tof_config_load_file(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tofd: %s: %s\n", path, err);
		return TOFD_EXIT_USAGE;
	}
	if (tof_api_client_config(&cfg, &api, err, sizeof(err)) < 0) {
		rc = TOFD_EXIT_USAGE;
	} else {
		snprintf(api_where, sizeof(api_where), "%s",
			 cfg.api_listen ? cfg.api_listen : TOF_API_LISTEN_DEFAULT);
		tof_api_client_free(&api);
		if (cfg.state_file)
			st = tof_state_check(cfg.state_file, &n_state, err, sizeof(err));
		if (st < 0)
			rc = TOFD_EXIT_USAGE;
		else if (st > 0) /* not a reason to keep the link down */
			fprintf(stderr, "tofd: warning: %s: tofd run will move it aside (%s.bad-TIME) "
				"and start with the config's services, degraded\n", err,
				cfg.state_file);
	}
	if (rc != TOFD_EXIT_OK) {
		fprintf(stderr, "tofd: %s: %s\n", path, err);
	} else {
		printf("%s: ok: %s mode, %u service%s in the config, API on %s%s", path,
		       cfg.mode == TOF_MODE_SINGLE ? "single" : "dual", cfg.n_services,
		       cfg.n_services == 1 ? "" : "s", api_where, cfg.api_tls_cert ? " (TLS)" : "");
		if (st > 0)
			printf(", state_file %s unusable (see the warning)", cfg.state_file);
		else if (cfg.state_file && n_state >= 0)
			printf(", state_file %s holds %ld service%s (it wins over the config)",
			       cfg.state_file, n_state, n_state == 1 ? "" : "s");
		else if (cfg.state_file)
			printf(", state_file %s not written yet", cfg.state_file);
		printf("\n");
	}
	tof_config_free(&cfg);
	return rc;
}

/* Is pid a tofd: the same program as this one? */
static bool same_program(pid_t pid)
{
	char p[64];
	struct stat a, b;

	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	return stat(p, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* SIGHUP to a running tofd: the given pid, or else PID 1 when that is a
 * tofd (in its container: `podman exec`, `kubectl exec`). */
int tofd_cmd_reload(int argc, char **argv)
{
	char *end = NULL;
	long pid = 1;

	if (argc > 2 || (argc == 2 && (argv[1][0] == '-'))) {
		fprintf(stderr, "tofd: usage: tofd reload [PID]\n");
		return TOFD_EXIT_USAGE;
	}
	if (argc == 2) {
		errno = 0;
		pid = strtol(argv[1], &end, 10);
		if (errno || *end || pid < 1) {
			fprintf(stderr, "tofd reload: '%s' is not a process id\n", argv[1]);
			return TOFD_EXIT_USAGE;
		}
	} else if (!same_program(1)) {
		fprintf(stderr, "tofd reload: PID 1 is not tofd (outside tofd's container, give "
			"the pid, or use systemctl reload tof / podman kill --signal HUP)\n");
		return TOFD_EXIT_FAIL;
	}
	if (kill((pid_t)pid, SIGHUP) < 0) {
		fprintf(stderr, "tofd reload: pid %ld: %s\n", pid, strerror(errno));
		return TOFD_EXIT_FAIL;
	}
	printf("tofd reload: SIGHUP sent to pid %ld (its log says what changed)\n", pid);
	return TOFD_EXIT_OK;
}
