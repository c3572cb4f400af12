/* The appliance's configuration as the core sees it. Filled by
 * tof/config.c from JSON; plain data, no parsing here. */
#ifndef TOF_CORE_CONFIG_H
#define TOF_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "gtp_addr.h"
#include "pinger.h"

#define TOF_NAME_MAX 64
#define TOF_MAX_PEERS 256
#define TOF_MAX_CFG_SERVICES 1024
#define TOF_MAX_EAL_ARGS 64
#define TOF_MAX_HOPS 16          /* functions in one port chain */
#define TOF_MAX_CFG_CHAINS 1024
#define TOF_MAX_APPS_GW 4

enum tof_mode { TOF_MODE_DUAL = 0, TOF_MODE_SINGLE };

/* What carries the packets in tofd run. */
enum tof_dataplane {
	TOF_DATAPLANE_DPDK = 0, /* tof/dp: DPDK ports ("eal", "ports") */
	TOF_DATAPLANE_KERNEL,   /* tof/nfq: Linux bridge + NFQUEUE ("kernel") */
};

#define TOF_IFNAME_MAX 15 /* Linux IFNAMSIZ - 1 */

/* Kernel mode: the S1 interfaces in a Linux bridge, GTP-U queued to tofd
 * by iptables, offloaded packets out of the apps interface. */
struct tof_kernel_config {
	char enb[TOF_IFNAME_MAX + 1];    /* dual mode: eNB-side bridge port */
	char sgw[TOF_IFNAME_MAX + 1];    /* dual mode: SGW-side bridge port */
	char s1[TOF_IFNAME_MAX + 1];     /* single mode: the one S1 port */
	char apps[TOF_IFNAME_MAX + 1];   /* towards the edge apps */
	char bridge[TOF_IFNAME_MAX + 1]; /* default "br-s1"; created if missing */
	uint16_t queue_enb, queue_sgw;   /* NFQUEUE numbers; default 0 and 1 */
};

/* When the pinger starts for a session with no downlink tunnel. */
enum tof_pinger_policy {
	TOF_PINGER_ALWAYS = 0, /* as soon as the uplink is learned */
	TOF_PINGER_ON_DEMAND,  /* when an app's reply finds no downlink tunnel */
	TOF_PINGER_OFF,
};

/* tofd's log (tof/log.h): lines for people or JSON lines, and the least
 * level written. */
enum tof_log_format { TOF_LOG_TEXT = 0, TOF_LOG_JSON };
enum tof_log_level { TOF_LOG_DEBUG = 0, TOF_LOG_INFO, TOF_LOG_WARNING, TOF_LOG_ERROR };

/* An address prefix (a plain address is a /32 or /128). */
struct tof_prefix {
	struct gtp_addr addr;
	uint8_t plen;
};

struct tof_service_config {
	char name[TOF_NAME_MAX + 1];
	struct gtp_addr service_ip;
	struct gtp_addr app_ip;
	bool has_app_mac;
	uint8_t app_mac[6];
	char chain[TOF_NAME_MAX + 1]; /* optional OVS port chain, "" if none */
	char app_port[TOF_NAME_MAX + 1]; /* the app's OVS port, "" if none
					  * (then the last hop delivers by MAC) */
};

/* One function of a port chain: the OVS ports traffic towards the app
 * enters it by and leaves it by (the same port for a one-armed one). */
struct tof_hop_config {
	char ingress[TOF_NAME_MAX + 1];
	char egress[TOF_NAME_MAX + 1];
};

/* A port chain: hops in order from the TOF towards the app. */
struct tof_chain_config {
	char name[TOF_NAME_MAX + 1];
	uint32_t n_hops;
	struct tof_hop_config hops[TOF_MAX_HOPS];
};

/* What tofd's port on the bridge is, after the data plane. */
enum tof_ovs_port_type {
	TOF_OVS_PORT_VHOST = 0, /* DPDK: dpdkvhostuserclient on tofd's socket */
	TOF_OVS_PORT_SYSTEM,    /* kernel: a netdev (the OVS end of tofd's veth) */
};

/* The Open vSwitch bridge the apps port is on (tof/ovs). */
struct tof_ovs_config {
	char *db;       /* OVSDB remote: "unix:PATH" or "tcp:IP:PORT" */
	char *bridge;   /* made sure to exist, datapath_type=netdev */
	char *port;     /* tofd's port on it */
	enum tof_ovs_port_type port_type;
	char *socket;   /* vhost: the socket tofd serves; system: NULL */
	char *openflow; /* the bridge's OpenFlow management socket */
};

struct tof_config {
	enum tof_mode mode;
	struct tof_prefix enb[TOF_MAX_PEERS];
	unsigned int n_enb;
	struct tof_prefix sgw[TOF_MAX_PEERS];
	unsigned int n_sgw;

	struct tof_service_config *services; /* n_services entries, malloc'd */
	unsigned int n_services;
	struct tof_chain_config *chains;     /* n_chains entries, malloc'd */
	unsigned int n_chains;

	uint32_t idle_timeout_s;     /* default 300; 0 disables the purge */
	uint32_t purge_interval_ms;  /* how often the purge scans; default 1000 */
	uint32_t max_sessions;       /* default 1048576 */
	uint32_t max_services;       /* default 1024 */

	enum tof_pinger_policy pinger_policy; /* default ALWAYS */
	struct pinger_config pinger;
	bool pinger_key_set;      /* pinger.key came from the file: live tofd
				   * keeps it instead of drawing a random one */

	uint32_t pinger_rate_pps; /* probes per second to one SGW; default 1000 */

	uint32_t punt_rate_pps;   /* per punt class per worker; default 10000;
				   * 0 = unlimited */
	uint32_t punt_burst;      /* default 1000 */

	uint32_t icmp_rate_pps;   /* ICMP "too big" to apps, per worker;
				   * default 100; 0 = none sent */
	uint32_t icmp_burst;      /* default 10 */

	/* A UE address moves to another tunnel on an uplink frame alone only
	 * once the session owning it has been silent this long (the core's
	 * word, downlink traffic, moves it at once); default 60; 0: never. */
	uint32_t ue_move_silence_s;

	bool hash_seed_set;       /* hash_seed pins the tables' hash key */
	uint64_t hash_seed;

	uint8_t apps_mac[6];      /* our MAC on the apps port */
	/* Addresses the TOF owns on the apps port (the apps' route to the
	 * UEs): the only ones it answers ARP / Neighbour Solicitations for. */
	struct gtp_addr apps_gw[TOF_MAX_APPS_GW];
	unsigned int n_apps_gw;
	uint16_t s1_mtu;          /* largest outer IP packet we build; default 1500 */
	uint8_t encap_ttl;        /* default 64 */

	enum tof_log_format log_format; /* default text */
	enum tof_log_level log_level;   /* default info */

	/* tofd run only: which data plane, and the kernel one's interfaces */
	enum tof_dataplane dataplane;
	bool has_kernel;          /* a "kernel" section was given */
	struct tof_kernel_config kernel;

	/* tofd run only: the DPDK data plane */
	char *eal[TOF_MAX_EAL_ARGS];
	unsigned int n_eal;
	char *port_enb, *port_sgw, *port_s1, *port_apps;
	bool ovs_enabled;         /* "ovs" given: the apps port is tofd's
				   * port on that bridge (vhost-user in DPDK
				   * mode, a veth's end in kernel mode) */
	struct tof_ovs_config ovs;
	uint32_t mbufs;           /* packet buffers; 0 = sized from ports and
				   * workers (a pcap port with infinite_rx
				   * needs one per packet of its file) */

	/* tofd run only: the REST API and where services persist */
	char *api_listen, *api_token_file, *api_tls_cert, *api_tls_key;
	uint32_t api_max_conns;         /* default 1000 */
	uint32_t api_max_client_conns;  /* per client address; default 64 */
	uint32_t api_request_timeout_s; /* a request must arrive whole in this
					 * time; default 10 */
	char *state_file;
};

#endif
