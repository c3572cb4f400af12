/* Ports from devargs (any PMD: NIC by PCI address, af_packet, af_xdp, pcap,
 * tap, virtio-user, ring...): probe, configure a queue per worker where the
 * device has them, start in promiscuous mode (we are a bump in the wire:
 * frames are addressed to our neighbours, not to us). */
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "dp_internal.h"

/* The ethdev name of a devargs string: what precedes the first comma. */
static void tof_dp_devname(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	snprintf(name, len, "%.*s", (int)(n < len - 1 ? n : len - 1), devargs);
}

static int tof_dp_port_find(const char *devargs, uint16_t *port_id, char *err, size_t errlen)
{
	char name[64];

	tof_dp_devname(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* already there (-a / --vdev on the EAL command line) */
	int rc = rte_dev_probe(devargs);
	if (rc < 0) {
		snprintf(err, errlen,
			 "port \"%s\": cannot attach it (%s); check the devargs, that the "
			 "interface exists, or that the NIC is bound to a DPDK driver",
			 devargs, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, errlen, "port \"%s\": attached, but no ethdev named \"%s\"", devargs,
			 name);
		return -1;
	}
	return 0;
}

int tof_dp_port_setup(struct tof_dp *dp, struct tof_dp_port *p, const char *devargs,
		      char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	if (tof_dp_port_find(devargs, &p->port_id, err, errlen) != 0)
		return -1;
	for (int i = 0; i < TOF_PORT__COUNT; i++) {
		if (&dp->ports[i] != p && dp->ports[i].used && dp->ports[i].port_id == p->port_id) {
			snprintf(err, errlen, "port \"%s\" is given twice", devargs);
			return -1;
		}
	}
	snprintf(p->name, sizeof(p->name), "%s", devargs);
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port \"%s\": %s", devargs, rte_strerror(-rc));
		return -1;
	}
	p->nb_rxq = (uint16_t)RTE_MIN(dp->n_workers, info.max_rx_queues);
	p->nb_txq = (uint16_t)RTE_MIN(dp->n_workers, info.max_tx_queues);
	if (p->nb_rxq == 0 || p->nb_txq == 0) {
		snprintf(err, errlen, "port \"%s\": device has no rx or tx queue", devargs);
		return -1;
	}
	p->txq_shared = p->nb_txq < dp->n_workers;
	for (unsigned int q = 0; q < TOF_DP_MAX_WORKERS; q++)
		rte_spinlock_init(&p->txq_lock[q]);

	memset(&conf, 0, sizeof(conf));
	/* link state interrupts where the device has them: a virtio-user
	 * server takes its client back (OVS restarted) only through them */
	if (info.dev_flags && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC))
		conf.intr_conf.lsc = 1;
	if (p->nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		/* GTP-U between one eNB and one SGW has a single outer 5-tuple:
		 * spread by TEID where the NIC can, else by IP/UDP. */
		uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_GTPU;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = want & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port \"%s\": configure: %s", devargs, rte_strerror(-rc));
		return -1;
	}
	uint16_t nb_rxd = TOF_DP_NB_DESC, nb_txd = TOF_DP_NB_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	int socket = rte_eth_dev_socket_id(p->port_id);
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, socket < 0 ? 0 : (unsigned)socket,
					    NULL, dp->pool);
		if (rc != 0) {
			snprintf(err, errlen, "port \"%s\": rx queue %u: %s", devargs, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, socket < 0 ? 0 : (unsigned)socket,
					    NULL);
		if (rc != 0) {
			snprintf(err, errlen, "port \"%s\": tx queue %u: %s", devargs, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port \"%s\": start: %s", devargs, rte_strerror(-rc));
		return -1;
	}
	/* Some PMDs (pcap, null) have no promiscuous mode; that is fine. */
	rte_eth_promiscuous_enable(p->port_id);
	/* last: a port attached late is seen by running workers from here */
	__atomic_store_n(&p->used, true, __ATOMIC_RELEASE);
	return 0;
}

int tof_dp_ports_open(struct tof_dp *dp, char *err, size_t errlen)
{
	const struct tof_config *cfg = dp->ctx.cfg;
	struct {
		enum tof_port port;
		const char *devargs;
		const char *field;
	} want[] = {
		{TOF_PORT_ENB, cfg->port_enb, "ports.enb"},
		{TOF_PORT_SGW, cfg->port_sgw, "ports.sgw"},
		{TOF_PORT_S1, cfg->port_s1, "ports.s1"},
		{TOF_PORT_APPS, cfg->port_apps, "ports.apps"},
	};
	bool dual = cfg->mode == TOF_MODE_DUAL;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool needed = want[i].port == TOF_PORT_APPS ||
			      (dual ? want[i].port != TOF_PORT_S1 : want[i].port == TOF_PORT_S1);
		if (!needed || (want[i].port == TOF_PORT_APPS && cfg->ovs_enabled))
			continue; /* tofd's port on the bridge: tof_dp_vhost_start */
		if (want[i].devargs == NULL || want[i].devargs[0] == '\0') {
			snprintf(err, errlen, "config: \"%s\": missing (%s mode needs %s)",
				 want[i].field, dual ? "dual" : "single",
				 dual ? "ports.enb, ports.sgw and ports.apps" : "ports.s1 and ports.apps");
			return -1;
		}
		if (tof_dp_port_setup(dp, &dp->ports[want[i].port], want[i].devargs, err,
				      errlen) != 0)
			return -1;
	}
	return 0;
}

void tof_dp_ports_close(struct tof_dp *dp)
{
	for (int i = 0; i < TOF_PORT__COUNT; i++) {
		struct tof_dp_port *p = &dp->ports[i];
		if (!p->used)
			continue;
		rte_eth_dev_stop(p->port_id);
		rte_eth_dev_close(p->port_id);
		__atomic_store_n(&p->used, false, __ATOMIC_RELEASE);
	}
}

void tof_dp_port_tx(struct tof_dp *dp, struct tof_dp_worker *w, enum tof_port tp,
		    struct rte_mbuf **pkts, uint16_t n)
{
	struct tof_dp_port *p = &dp->ports[tp];
	uint16_t q, sent;

	if (n == 0)
		return;
	/* A port attached late (tofd's on OVS) has no queues until it is used;
	 * an unused one has none at all (nb_txq 0): nothing to divide by. used
	 * is read first: nb_txq is set before it. */
	if (!__atomic_load_n(&p->used, __ATOMIC_ACQUIRE) || p->nb_txq == 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		w->w.ctr.tx_drops[tp] += n;
		return;
	}
	q = (uint16_t)(w->index % p->nb_txq);
	if (p->txq_shared)
		rte_spinlock_lock(&p->txq_lock[q]);
	sent = rte_eth_tx_burst(p->port_id, q, pkts, n);
	if (p->txq_shared)
		rte_spinlock_unlock(&p->txq_lock[q]);
	if (sent < n) {
		w->w.ctr.tx_drops[tp] += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}
