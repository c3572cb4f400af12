/* tofd: the Traffic Offloading Function's command line.
 *
 *   tofd replay          the pipeline over capture files, offline
 *   tofd run             the appliance on live ports
 *   tofd --check-config  validate a config; tofd health, tofd reload
 *
 * Exit codes: 0 done, 1 I/O failure (unreadable capture, unwritable
 * output, a data plane or socket that cannot start, unhealthy), 2 bad
 * usage or a bad config. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "replay.h"
#include "tof_pipeline.h"
#include "tofd_cmds.h"
#include "tofd_run.h"
#include "version.h"

#define EXIT_USAGE TOFD_EXIT_USAGE

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage:\n"
		"  tofd replay --config CONFIG.json (--in S1.pcap | --in-enb E.pcap "
		"--in-sgw S.pcap)\n"
		"              [--in-apps A.pcap] [--burst N] --out DIR\n"
		"  tofd run --config CONFIG.json [--no-dataplane] [-- EAL args]\n"
		"  tofd --check-config CONFIG.json\n"
		"  tofd health [--config CONFIG.json] [--ready] [--timeout S]\n"
		"  tofd reload [PID]\n"
		"  tofd --version\n"
		"  tofd --help\n"
		"\n"
		"replay: run the offload pipeline over captures on their own clock.\n"
		"  -c, --config FILE   the appliance config (JSON)\n"
		"      --in FILE       single mode: the S1 capture (pcap or pcapng)\n"
		"      --in-enb FILE   dual mode: frames from the eNB side\n"
		"      --in-sgw FILE   dual mode: frames from the SGW side\n"
		"      --in-apps FILE  frames from the edge apps (Ethernet)\n"
		"      --burst N       run up to N consecutive frames of one port that came\n"
		"                      within a millisecond through the burst pipeline\n"
		"                      together, as the data plane does (default 1: frame\n"
		"                      by frame; at most 64)\n"
		"  -o, --out DIR       where to write enb.pcap + sgw.pcap (dual) or s1.pcap\n"
		"                      (single), apps.pcap, tunnels.json and stats.json\n"
		"\n"
		"run: the appliance on live ports (DPDK).\n"
		"  -c, --config FILE   the appliance config (JSON)\n"
		"      --no-dataplane  run the REST API, the agent and the state file without\n"
		"                      ports (provisioning before the ports exist; tests)\n"
		"  -- EAL args         passed to the DPDK environment abstraction layer\n"
		"  The REST API listens on api.listen (default 127.0.0.1:8080); services\n"
		"  persist in state_file. SIGTERM or SIGINT stops it cleanly; SIGHUP\n"
		"  reloads the config's services (and log settings) without dropping\n"
		"  sessions. Logs go to stderr, one line per event (\"log\": {\"format\":\n"
		"  \"json\"} for JSON lines).\n"
		"\n"
		"--check-config: load the config as run would (every field, the API's\n"
		"  token and TLS files, the state file) and say what is wrong, or ok.\n"
		"health: GET /health/live (--ready: /health) from the API the config\n"
		"  describes (default 127.0.0.1:8080); exit 0 if it answers 200.\n"
		"reload: send SIGHUP to PID, or to PID 1 when that is tofd (in its\n"
		"  container).\n"
		"\n"
		"Exit status: 0 done; 1 I/O error (a capture or output file, the data\n"
		"plane, the API socket, the state file), unhealthy, or no tofd to reload;\n"
		"2 bad usage or a bad config (the message names the field).\n");
}

/* getopt_long with opterr off: say which option was wrong. */
static int bad_option(const char *cmd, int c, char **argv, int optind_now)
{
	const char *arg = optind_now > 0 ? argv[optind_now - 1] : "";
	char opt[64];

	if (strncmp(arg, "--", 2) == 0) {
		size_t n = strcspn(arg, "=");

		snprintf(opt, sizeof(opt), "%.*s", (int)(n < 60 ? n : 60), arg);
	} else {
		snprintf(opt, sizeof(opt), "-%c", optopt ? optopt : '?');
	}
	if (c == ':')
		fprintf(stderr, "tofd %s: option %s needs an argument\n", cmd, opt);
	else
		fprintf(stderr, "tofd %s: unknown option %s\n", cmd, opt);
	fprintf(stderr, "Try 'tofd --help'.\n");
	return EXIT_USAGE;
}

/* An option that takes a file may be given once. */
static int set_once(const char *cmd, const char *name, const char **slot, const char *val)
{
	if (*slot) {
		fprintf(stderr, "tofd %s: %s given twice\n", cmd, name);
		return -1;
	}
	*slot = val;
	return 0;
}

static int load_config(const char *cmd, const char *path, struct tof_config *cfg)
{
	char err[512] = "";

	if (!path) {
		fprintf(stderr, "tofd %s: --config is required\n", cmd);
		return EXIT_USAGE;
	}
	if (tof_config_load_file(path, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tofd %s: %s: %s\n", cmd, path, err[0] ? err : "invalid config");
		return EXIT_USAGE;
	}
	return 0;
}

enum replay_opt {
	OPT_IN = 256,
	OPT_IN_ENB,
	OPT_IN_SGW,
	OPT_IN_APPS,
	OPT_BURST,
	OPT_NO_DATAPLANE,
};

static int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, OPT_IN },
		{ "in-enb", required_argument, NULL, OPT_IN_ENB },
		{ "in-sgw", required_argument, NULL, OPT_IN_SGW },
		{ "in-apps", required_argument, NULL, OPT_IN_APPS },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tof_replay_opts o;
	struct tof_config cfg;
	const char *config = NULL;
	char err[1024] = "";
	int c, rc;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:o:h", longopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'c':
			bad = set_once("replay", "--config", &config, optarg);
			break;
		case OPT_IN:
			bad = set_once("replay", "--in", &o.in_s1, optarg);
			break;
		case OPT_IN_ENB:
			bad = set_once("replay", "--in-enb", &o.in_enb, optarg);
			break;
		case OPT_IN_SGW:
			bad = set_once("replay", "--in-sgw", &o.in_sgw, optarg);
			break;
		case OPT_IN_APPS:
			bad = set_once("replay", "--in-apps", &o.in_apps, optarg);
			break;
		case OPT_BURST: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || n < 1 ||
			    n > TOF_BURST_MAX) {
				fprintf(stderr, "tofd replay: --burst: '%s' is not a number from 1 "
					"to %d\n", optarg, TOF_BURST_MAX);
				return EXIT_USAGE;
			}
			o.burst = (unsigned int)n;
			break;
		}
		case 'o':
			bad = set_once("replay", "--out", &o.out_dir, optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_option("replay", c, argv, optind);
		}
		if (bad)
			return EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "tofd replay: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	/* what the command line alone can tell, before reading the config */
	if (o.in_s1 && (o.in_enb || o.in_sgw)) {
		fprintf(stderr, "tofd replay: --in cannot be combined with --in-enb/--in-sgw\n");
		return EXIT_USAGE;
	}
	if (!o.in_s1 && !o.in_enb && !o.in_sgw) {
		fprintf(stderr, "tofd replay: no input: give --in or --in-enb/--in-sgw\n");
		return EXIT_USAGE;
	}
	if (!o.out_dir) {
		fprintf(stderr, "tofd replay: --out is required\n");
		return EXIT_USAGE;
	}
	rc = load_config("replay", config, &cfg);
	if (rc)
		return rc;

	o.cfg = &cfg;
	o.config_name = config;
	o.summary = stdout;
	o.err = err;
	o.errlen = sizeof(err);
	rc = tof_replay_check_opts(&o, err, sizeof(err));
	if (rc == TOF_REPLAY_OK)
		rc = tof_replay_run(&o);
	if (rc != TOF_REPLAY_OK)
		fprintf(stderr, "tofd replay: %s\n", err);
	tof_config_free(&cfg);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-dataplane", no_argument, NULL, OPT_NO_DATAPLANE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tofd_run_opts ro = { .no_dataplane = false };
	struct tof_config cfg;
	const char *config = NULL;
	int c, rc, eal_first;

	opterr = 0;
	optind = 1;
	/* '+': stop at the first non-option, so nothing after "--" is touched */
	while ((c = getopt_long(argc, argv, "+:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (set_once("run", "--config", &config, optarg))
				return EXIT_USAGE;
			break;
		case OPT_NO_DATAPLANE:
			ro.no_dataplane = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_option("run", c, argv, optind);
		}
	}
	eal_first = optind;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "tofd run: unexpected argument '%s' (EAL arguments go after "
				"'--')\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	rc = load_config("run", config, &cfg);
	if (rc)
		return rc;
	ro.config_path = config;
	ro.eal_argc = argc - eal_first;
	ro.eal_argv = argv + eal_first;
	rc = tofd_run(&cfg, &ro);
	tof_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("tofd " TOF_VERSION "\n");
		return 0;
	}
	/* each subcommand parses its own options; argv[0] becomes its name */
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "--check-config"))
		return tofd_cmd_check_config(argc - 1, argv + 1);
	if (!strcmp(cmd, "health"))
		return tofd_cmd_health(argc - 1, argv + 1);
	if (!strcmp(cmd, "reload"))
		return tofd_cmd_reload(argc - 1, argv + 1);
	if (cmd[0] == '-')
		fprintf(stderr, "tofd: unknown option %s\n", cmd);
	else
		fprintf(stderr, "tofd: unknown command '%s'\n", cmd);
	fprintf(stderr, "Try 'tofd --help'.\n");
	return EXIT_USAGE;
}
