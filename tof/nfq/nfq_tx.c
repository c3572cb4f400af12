/* Sending in kernel mode: AF_PACKET sockets bound to one interface each,
 * the S1 peers' MACs learned by IP, and the agent's frames. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nfq_internal.h"

#define NFQ_NEIGH_PROBE 8

int nfq_packet_socket(const struct nfq_port_name *p, uint16_t proto, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));

	if (fd < 0) {
		snprintf(err, errlen, "AF_PACKET socket: %s (tofd needs CAP_NET_RAW)",
			 strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = p->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		snprintf(err, errlen, "AF_PACKET on %s: %s", p->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int nfq_recv_burst(int fd, uint8_t *bufs, struct mmsghdr *msgs, struct iovec *iov)
{
	for (unsigned int i = 0; i < NFQ_BURST; i++) {
		iov[i].iov_base = bufs + (size_t)i * NFQ_SLOT + NFQ_HEADROOM;
		iov[i].iov_len = NFQ_SLOT - NFQ_HEADROOM;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return recvmmsg(fd, msgs, NFQ_BURST, MSG_DONTWAIT, NULL);
}

int nfq_tx_open(struct tof_nfq *n, struct nfq_tx *t, enum tof_port port, char *err,
		size_t errlen)
{
	struct nfq_port_name *p = nfq_port_iface(n, port);
	int one = 1, sndbuf = 4 << 20;

	t->port = port;
	t->ifindex = p->ifindex;
	t->fd = nfq_packet_socket(p, 0, err, errlen); /* protocol 0: it only sends */
	if (t->fd < 0)
		return -1;
	/* Straight to the driver: we are a bump in the wire, not a host. */
	setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(t->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	return 0;
}

void nfq_tx_close(struct nfq_tx *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int nfq_tx_open_all(struct tof_nfq *n, struct nfq_tx *tx, char *err, size_t errlen)
{
	bool dual = n->ctx.cfg->mode == TOF_MODE_DUAL;

	for (int p = 0; p < TOF_PORT__COUNT; p++) {
		bool used = p == TOF_PORT_APPS || (dual ? p != TOF_PORT_S1 : p == TOF_PORT_S1);
		tx[p].fd = -1;
		tx[p].port = (enum tof_port)p;
		if (used && nfq_tx_open(n, &tx[p], (enum tof_port)p, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void nfq_tx_close_all(struct nfq_tx *tx)
{
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		nfq_tx_close(&tx[p]);
}

void nfq_tx_results(struct tof_nfq *n, struct nfq_tx *tx, struct tof_worker *w,
		    struct tof_frame *f, const struct tof_result *res, const bool *skip,
		    unsigned int count)
{
	struct tof_frame out[TOF_PORT__COUNT][NFQ_BURST];
	unsigned int n_out[TOF_PORT__COUNT] = { 0 };

	for (unsigned int i = 0; i < count && i < NFQ_BURST; i++) {
		enum tof_verdict v = res[i].verdict;
		enum tof_port p = res[i].out_port;
		if ((skip && skip[i]) || p >= TOF_PORT__COUNT ||
		    (v != TOF_V_OFFLOAD && v != TOF_V_ENCAP && v != TOF_V_REPLY))
			continue;
		out[p][n_out[p]++] = f[i];
	}
	for (int p = 0; p < TOF_PORT__COUNT; p++) {
		if (n_out[p] == 0)
			continue;
		if (tx[p].fd < 0)
			w->ctr.tx_drops[p] += n_out[p];
		else
			nfq_tx_burst(n, &tx[p], w, out[p], n_out[p]);
	}
}

struct nfq_port_name *nfq_port_iface(struct tof_nfq *n, enum tof_port port)
{
	switch (port) {
	case TOF_PORT_ENB:
	case TOF_PORT_S1:
		return &n->s1[0];
	case TOF_PORT_SGW:
		return &n->s1[n->n_s1 - 1];
	default:
		return &n->apps;
	}
}

static uint32_t nfq_neigh_hash(const uint8_t ip[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h;
}

void nfq_neigh_learn(struct tof_nfq *n, const uint8_t ip[16], const uint8_t mac[6])
{
	struct nfq_neigh *nb = &n->neigh;
	uint32_t h = nfq_neigh_hash(ip);

	pthread_mutex_lock(&nb->lock);
	for (uint32_t i = 0; i < NFQ_NEIGH_PROBE; i++) {
		struct nfq_neigh_ent *e = &nb->ents[(h + i) % NFQ_NEIGH_SIZE];
		if (!e->used || memcmp(e->ip, ip, 16) == 0 || i == NFQ_NEIGH_PROBE - 1) {
			/* free, ours, or (all taken) the last place: it is a cache */
			memcpy(e->ip, ip, 16);
			memcpy(e->mac, mac, 6);
			e->used = true;
			break;
		}
	}
	pthread_mutex_unlock(&nb->lock);
}

bool nfq_neigh_find(struct tof_nfq *n, const uint8_t ip[16], uint8_t mac[6])
{
	struct nfq_neigh *nb = &n->neigh;
	uint32_t h = nfq_neigh_hash(ip);
	bool found = false;

	pthread_mutex_lock(&nb->lock);
	for (uint32_t i = 0; i < NFQ_NEIGH_PROBE && !found; i++) {
		const struct nfq_neigh_ent *e = &nb->ents[(h + i) % NFQ_NEIGH_SIZE];
		if (e->used && memcmp(e->ip, ip, 16) == 0) {
			memcpy(mac, e->mac, 6);
			found = true;
		}
	}
	pthread_mutex_unlock(&nb->lock);
	return found;
}

/* An IP header's source or destination as 16 octets (IPv4 mapped). */
void nfq_addr16(uint8_t out[16], const uint8_t *ip, bool dst)
{
	memset(out, 0, 16);
	if ((ip[0] >> 4) == 6) {
		memcpy(out, ip + (dst ? 24 : 8), 16);
	} else {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, ip + (dst ? 16 : 12), 4);
	}
}

void nfq_s1_link_header(struct tof_nfq *n, enum tof_port port, uint8_t *frame, size_t len)
{
	static const uint8_t zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint16_t et;
	uint8_t a[16], mac[6];

	if (len < ETH_HLEN + 40)
		return;
	et = (uint16_t)(frame[12] << 8 | frame[13]);
	if (et != ETHERTYPE_IP && et != ETHERTYPE_IPV6)
		return;
	/* As the bump in the wire: from the peer the outer source stands for
	 * (the SGW towards the eNB, the eNB towards the SGW), to the other. */
	nfq_addr16(a, frame + ETH_HLEN, true);
	if (nfq_neigh_find(n, a, mac))
		memcpy(frame, mac, 6);
	else if (memcmp(frame, zero, 6) == 0)
		memcpy(frame, bcast, 6);
	nfq_addr16(a, frame + ETH_HLEN, false);
	if (nfq_neigh_find(n, a, mac))
		memcpy(frame + 6, mac, 6);
	else if (memcmp(frame + 6, zero, 6) == 0)
		memcpy(frame + 6, nfq_port_iface(n, port)->mac, 6);
}

void nfq_tx_burst(struct tof_nfq *n, struct nfq_tx *t, struct tof_worker *w,
		  struct tof_frame *f, unsigned int count)
{
	struct mmsghdr msgs[NFQ_BURST];
	struct iovec iov[NFQ_BURST];
	unsigned int done = 0;

	if (count > NFQ_BURST)
		count = NFQ_BURST;
	for (unsigned int i = 0; i < count; i++) {
		uint8_t *frame = f[i].buf + f[i].off;
		if (t->port != TOF_PORT_APPS)
			nfq_s1_link_header(n, t->port, frame, f[i].len);
		iov[i].iov_base = frame;
		iov[i].iov_len = f[i].len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* A full device queue refuses the rest: one more try, then count. */
	for (int attempt = 0; attempt < 2 && done < count; attempt++) {
		int sent = sendmmsg(t->fd, msgs + done, count - done, MSG_DONTWAIT);
		if (sent > 0)
			done += (unsigned int)sent;
		else if (sent < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
			done++; /* this frame cannot go (too big, ...): skip it */
	}
	if (done < count)
		w->ctr.tx_drops[t->port] += count - done;
}

/* The agent's frames (pinger probes, ARP/ND answers, a first offloaded
 * packet): out of the interface of their port, from the agent's thread. */
void nfq_agent_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		    uint64_t when_ns)
{
	struct tof_nfq *n = ctx;
	uint8_t *buf = n->emit_buf;
	(void)when_ns;
	if (port >= TOF_PORT__COUNT || n->agent_tx[port].fd < 0 || len > sizeof(n->emit_buf)) {
		__atomic_add_fetch(&n->inject_drops, 1, __ATOMIC_RELAXED);
		return;
	}
	memcpy(buf, frame, len);
	if (port != TOF_PORT_APPS)
		nfq_s1_link_header(n, port, buf, len);
	if (send(n->agent_tx[port].fd, buf, len, 0) != (ssize_t)len)
		__atomic_add_fetch(&n->inject_drops, 1, __ATOMIC_RELAXED);
}
