/* Shared by kernel mode's files. */
#ifndef TOF_NFQ_INTERNAL_H
#define TOF_NFQ_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "agent_loop.h"
#include "nfq.h"
#include "nfq_bpf.h"

#define NFQ_BURST 64            /* packets per receive */
#define NFQ_SLOT 16384          /* a received packet with its netlink headers */
#define NFQ_HEADROOM 128        /* room before a packet (link header, encap) */
#define NFQ_FULL_COPY 9216      /* eNB side: whole packets (they may be offloaded) */
#define NFQ_HDR_COPY 256        /* SGW side: the headers the pipeline reads */
#define NFQ_QUEUE_MAXLEN 16384  /* packets the kernel holds for us per queue */
#define NFQ_PUNT_RING 1024
#define NFQ_NEIGH_SIZE 1024     /* S1 peers' MACs, by IP */

/* An interface the config names. */
struct nfq_port_name {
	const char *field;   /* "kernel.enb" ... for messages */
	const char *name;
	int ifindex;
	uint8_t mac[6];      /* its own address */
};

/* An AF_PACKET socket sending out of one interface. */
struct nfq_tx {
	int fd;
	int ifindex;
	enum tof_port port;
};

/* The S1 peers' MAC addresses by IP, learned from the frames queued to us
 * (their source MAC and outer source IP); used for the link headers of
 * the frames we send on S1. */
struct nfq_neigh_ent {
	uint8_t ip[16];
	uint8_t mac[6];
	bool used;
};

struct nfq_neigh {
	pthread_mutex_t lock;
	struct nfq_neigh_ent ents[NFQ_NEIGH_SIZE];
};

/* A thread serving one NFQUEUE. */
struct nfq_queue {
	struct tof_nfq *n;
	enum tof_port port;          /* where its packets come in (ENB, SGW, S1) */
	uint16_t num;
	uint32_t copy_range;
	struct mnl_socket *nl;
	struct tof_worker w;
	unsigned int reader;         /* its place among the tables' readers */
	struct tof_punt_rings punts;
	struct nfq_tx tx[TOF_PORT__COUNT]; /* what the pipeline sends (offloads) */
	uint8_t *bufs;               /* NFQ_BURST slots of NFQ_SLOT */
	uint8_t last_ip[16], last_mac[6]; /* the neighbour last learned */
	pthread_t thread;
	bool running;
};

/* The thread receiving the apps' frames. */
struct nfq_apps {
	struct tof_nfq *n;
	int fd;
	struct tof_worker w;
	unsigned int reader;         /* its place among the tables' readers */
	struct tof_punt_rings punts;
	struct nfq_tx tx[TOF_PORT__COUNT]; /* what the pipeline sends (replies) */
	uint8_t *bufs;
	pthread_t thread;
	bool running;
};

struct tof_nfq {
	struct tof_nfq_ctx ctx;
	struct nfq_port_name s1[2];  /* dual: eNB side, SGW side; single: the S1 port */
	int n_s1;
	struct nfq_port_name apps, bridge;
	struct nfq_queue q[2];
	struct nfq_apps ap;
	struct nfq_bpf bpf;
	bool bpf_on;                 /* the kernel decides for known tunnels */
	struct nfq_neigh neigh;
	pthread_mutex_t svc_lock;    /* one service-list sync at a time */
	struct nfq_tx agent_tx[TOF_PORT__COUNT]; /* the agent thread's */
	struct tof_agent_loop loop;
	struct tof_punt_rings *rings[3];
	int stop_fd;                 /* eventfd: wakes the threads to stop */
	bool quit;                   /* atomic */
	uint64_t refresh_ns;         /* how long a confirmed tunnel stays in the kernel */
	uint64_t next_sweep_ns;
	uint64_t inject_drops;       /* atomic */
	bool rules_on;
	char chain[32];              /* our iptables chain */
	char bpf_dir[96];            /* our bpffs */
	int lock_fd;                 /* one tofd per bridge */
	char lock_path[160];
	uint8_t emit_buf[TOF_AGENT_FRAME_MAX + NFQ_HEADROOM]; /* the agent's frames
					* (it emits under the writers' lock) */
};

uint64_t nfq_now_ns(void);

/* nfq_link.c */
int nfq_ifindex(struct nfq_port_name *p, char *err, size_t errlen);
int nfq_link_setup(struct tof_nfq *n, char *err, size_t errlen);
int nfq_sysctl_write(const char *path, const char *value);
/* rtnetlink: a bound socket (NULL with err); one request with an
 * acknowledgement (0 or -errno); a link message for ifindex (0: named in an
 * attribute); bring ifindex up and, when master > 0, into that bridge;
 * bring the interfaces a and b up (0, or -1 with err). */
struct mnl_socket *nfq_rtnl_open(char *err, size_t errlen);
int nfq_rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh);
struct nlmsghdr *nfq_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex);
int nfq_link_set(struct mnl_socket *nl, int ifindex, int master, bool up);
int nfq_links_up(struct mnl_socket *nl, const char *a, const char *b, char *err, size_t errlen);

/* nfq_rules.c: install (replacing stale ones) and remove our rules. */
int nfq_rules_install(struct tof_nfq *n, char *err, size_t errlen);
void nfq_rules_remove(struct tof_nfq *n);

/* One packet as received, and its verdict. */
struct nfq_pkt {
	uint32_t id;
	bool parsed;       /* we know its id: it gets a verdict */
	bool truncated;    /* the copy is shorter than the packet */
	int verdict;       /* NF_ACCEPT / NF_DROP */
};

/* A verdict message: one packet's, or (batch) every packet's up to id. */
struct nfq_verdict {
	uint32_t id;
	int verdict;
	bool batch;
};

/* The verdicts of a burst in packet order: each run of ACCEPTs as one
 * (a batch verdict when longer than one), each other verdict alone.
 * out has room for n. Returns how many. */
unsigned int nfq_verdict_plan(const struct nfq_pkt *pk, unsigned int n, struct nfq_verdict *out);

/* nfq_queue.c */
int nfq_queue_open(struct nfq_queue *q, char *err, size_t errlen);
void nfq_queue_close(struct nfq_queue *q);
void *nfq_queue_main(void *arg);

/* nfq_apps.c */
int nfq_apps_open(struct nfq_apps *a, char *err, size_t errlen);
void nfq_apps_close(struct nfq_apps *a);
void *nfq_apps_main(void *arg);

/* nfq_tx.c: sockets, neighbours, link headers, the agent's emit. */
/* An AF_PACKET socket bound to p for protocol proto (0: it only sends). */
int nfq_packet_socket(const struct nfq_port_name *p, uint16_t proto, char *err, size_t errlen);
/* recvmmsg up to NFQ_BURST messages into the slots of bufs, each NFQ_SLOT
 * octets received from NFQ_HEADROOM on. */
int nfq_recv_burst(int fd, uint8_t *bufs, struct mmsghdr *msgs, struct iovec *iov);
int nfq_tx_open(struct tof_nfq *n, struct nfq_tx *t, enum tof_port port, char *err,
		size_t errlen);
void nfq_tx_close(struct nfq_tx *t);
/* One socket per port the mode uses (the others fd -1); close them all. */
int nfq_tx_open_all(struct tof_nfq *n, struct nfq_tx *tx, char *err, size_t errlen);
void nfq_tx_close_all(struct nfq_tx *tx);
/* Send the frames whose result sends them (offload, encap, reply), each out
 * of its out_port; the ones that did not go count in w's tx_drops. */
void nfq_tx_results(struct tof_nfq *n, struct nfq_tx *tx, struct tof_worker *w,
		    struct tof_frame *f, const struct tof_result *res, const bool *skip,
		    unsigned int count);
struct nfq_port_name *nfq_port_iface(struct tof_nfq *n, enum tof_port port);
void nfq_neigh_learn(struct tof_nfq *n, const uint8_t ip16[16], const uint8_t mac[6]);
bool nfq_neigh_find(struct tof_nfq *n, const uint8_t ip16[16], uint8_t mac[6]);
void nfq_addr16(uint8_t out[16], const uint8_t *ip_hdr, bool dst);
/* Give a frame leaving on an S1 port the MACs of its outer IP ends. */
void nfq_s1_link_header(struct tof_nfq *n, enum tof_port port, uint8_t *frame, size_t len);
/* Send frames out of t (S1 frames get their link header first); the ones
 * that did not go are counted in w's tx_drops. */
void nfq_tx_burst(struct tof_nfq *n, struct nfq_tx *t, struct tof_worker *w,
		  struct tof_frame *f, unsigned int count);
void nfq_agent_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		    uint64_t when_ns);

#endif
