/* tofd's apps port on an Open vSwitch bridge: a virtio-user device in
 * server mode on the configured socket, which OVS's dpdkvhostuserclient
 * interface connects to. DPDK's probe of such a device waits in accept()
 * for the first connection, so it runs in a thread of its own: the S1
 * ports forward from the start, and offloaded frames are dropped (and
 * counted) until OVS is there. Later reconnections (OVS restarted) are
 * DPDK's business: the server takes the new client. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "dp_internal.h"
#include "log.h"

/* Interrupts accept(): a handler that does nothing, installed without
 * SA_RESTART. */
#define TOF_DP_VHOST_SIGNAL SIGUSR2

static void tof_dp_vhost_sig(int sig)
{
	(void)sig;
}

/* The socket's directory exists, and no stale socket is in the way (the
 * server binds it afresh). */
static int tof_dp_vhost_path(const char *path, char *err, size_t errlen)
{
	char dir[512];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash && slash != path) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "ovs.socket: cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "ovs.socket: %s exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	return 0;
}

static void *tof_dp_vhost_main(void *arg)
{
	struct tof_dp *dp = arg;
	const struct tof_config *cfg = dp->ctx.cfg;
	char devargs[600], err[512] = "";
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, TOF_DP_VHOST_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	snprintf(devargs, sizeof(devargs), "net_virtio_user_tof,path=%s,server=1,queues=%u,"
		 "queue_size=%u", cfg->ovs.socket, dp->n_workers, TOF_DP_NB_DESC);
	tof_log(TOF_LOG_INFO, "apps_port_serving",
		TOF_FIELDS(TOF_LOG_STR("socket", cfg->ovs.socket), TOF_LOG_STR("port", cfg->ovs.port),
			   TOF_LOG_STR("bridge", cfg->ovs.bridge)),
		"apps port: serving %s for %s on bridge %s", cfg->ovs.socket, cfg->ovs.port,
		cfg->ovs.bridge);
	if (tof_dp_port_setup(dp, &dp->ports[TOF_PORT_APPS], devargs, err, sizeof(err)) == 0)
		tof_log(TOF_LOG_INFO, "apps_port_connected",
			TOF_FIELDS(TOF_LOG_STR("socket", cfg->ovs.socket)),
			"apps port: Open vSwitch connected to %s", cfg->ovs.socket);
	else if (!dp->quit)
		tof_log(TOF_LOG_ERROR, "apps_port_failed", TOF_FIELDS(TOF_LOG_STR("error", err)),
			"apps port: %s", err);
	__atomic_store_n(&dp->vhost_done, true, __ATOMIC_RELEASE);
	return NULL;
}

int tof_dp_vhost_start(struct tof_dp *dp, char *err, size_t errlen)
{
	struct sigaction sa;
	int rc;

	if (tof_dp_vhost_path(dp->ctx.cfg->ovs.socket, err, errlen) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tof_dp_vhost_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(TOF_DP_VHOST_SIGNAL, &sa, NULL);
	rc = pthread_create(&dp->vhost_thread, NULL, tof_dp_vhost_main, dp);
	if (rc != 0) {
		snprintf(err, errlen, "apps port thread: %s", strerror(rc));
		return -1;
	}
	pthread_setname_np(dp->vhost_thread, "tof-vhost");
	dp->vhost_running = true;
	return 0;
}

void tof_dp_vhost_stop(struct tof_dp *dp)
{
	if (!dp->vhost_running)
		return;
	/* still waiting for OVS: interrupt the accept (again, should the
	 * signal come between two system calls) */
	while (!__atomic_load_n(&dp->vhost_done, __ATOMIC_ACQUIRE)) {
		pthread_kill(dp->vhost_thread, TOF_DP_VHOST_SIGNAL);
		usleep(20000);
	}
	pthread_join(dp->vhost_thread, NULL);
	dp->vhost_running = false;
}
