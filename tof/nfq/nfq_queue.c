/* A thread on one NFQUEUE: receive a burst of packets (recvmmsg), give
 * each a link header so the pipeline sees a frame, run the pipeline, send
 * the offloaded ones out of the apps interface, then the verdicts in one
 * message: runs of ACCEPT as one batch verdict, DROP one by one. Known
 * tunnels the pipeline passed are confirmed to the kernel (nfq_bpf.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfq_internal.h"
#include "tof_classify.h"

#define NFQ_VERDICT_ROOM 96 /* octets of one verdict message */

static int nfq_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl);

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		int rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
		if (rc < 0)
			return -errno;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int nfq_queue_open(struct nfq_queue *q, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, rcvbuf = 32 << 20, rc;

	q->bufs = malloc((size_t)NFQ_BURST * NFQ_SLOT);
	q->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (q->bufs == NULL || q->nl == NULL || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "queue %u: netlink: %s", q->num, strerror(errno));
		return -1;
	}
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	rc = nfq_talk(q->nl, nlh);
	if (rc < 0) {
		snprintf(err, errlen, "queue %u: cannot bind it: %s%s", q->num, strerror(-rc),
			 rc == -EBUSY ? " (another program, or another tofd, serves it: see "
					"/proc/net/netfilter/nfnetlink_queue)" : "");
		return -1;
	}
	/* Copy what the pipeline needs; a full queue or socket lets packets
	 * through (fail-open) instead of dropping them. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)q->copy_range);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, NFQ_QUEUE_MAXLEN);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	rc = nfq_talk(q->nl, nlh);
	if (rc < 0) {
		snprintf(err, errlen, "queue %u: cannot configure it: %s", q->num, strerror(-rc));
		return -1;
	}
	int fd = mnl_socket_get_fd(q->nl);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	return 0;
}

void nfq_queue_close(struct nfq_queue *q)
{
	if (q->nl)
		mnl_socket_close(q->nl); /* unbinds the queue */
	q->nl = NULL;
	free(q->bufs);
	q->bufs = NULL;
}

/* A received message into a frame: a link header is written over the
 * netlink headers in front of the packet (source MAC as the kernel saw
 * it, destination the peer's if known), a short copy is padded to the
 * packet's length. False when it is not a packet we can process. */
static bool nfq_frame(struct nfq_queue *q, uint8_t *slot, size_t len, struct nfq_pkt *pk,
		      struct tof_frame *f)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	struct nlmsghdr *nlh = (struct nlmsghdr *)(slot + NFQ_HEADROOM);
	uint8_t *frame, a[16];

	pk->parsed = pk->truncated = false;
	pk->verdict = NF_ACCEPT;
	if (!mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET) ||
	    nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL)
		return false;
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	pk->id = ntohl(ph->packet_id);
	pk->parsed = true; /* it has an id: it gets a verdict */
	if (attr[NFQA_PAYLOAD] == NULL)
		return false;
	uint8_t *ip = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	uint32_t cap = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]), plen = cap;
	if (attr[NFQA_CAP_LEN])
		plen = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	if (cap < 20 || plen < cap || ip + plen > slot + NFQ_SLOT) {
		q->w.ctr.unprocessed++;
		return false;
	}
	uint8_t mac[6] = { 0 };
	if (attr[NFQA_HWADDR]) {
		const struct nfqnl_msg_packet_hw *hw = mnl_attr_get_payload(attr[NFQA_HWADDR]);
		if (ntohs(hw->hw_addrlen) == 6)
			memcpy(mac, hw->hw_addr, 6);
	}
	if (plen > cap) {
		memset(ip + cap, 0, plen - cap);
		pk->truncated = true;
	}
	/* Everything we need from the attributes is read: now the header. */
	frame = ip - ETH_HLEN;
	nfq_addr16(a, ip, true);
	if (!nfq_neigh_find(q->n, a, frame))
		memset(frame, 0, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = (ip[0] >> 4) == 6 ? 0x86 : 0x08;
	frame[13] = (ip[0] >> 4) == 6 ? 0xdd : 0x00;
	nfq_addr16(a, ip, false);
	if (attr[NFQA_HWADDR] && (memcmp(a, q->last_ip, 16) != 0 || memcmp(mac, q->last_mac, 6) != 0)) {
		nfq_neigh_learn(q->n, a, mac);
		memcpy(q->last_ip, a, 16);
		memcpy(q->last_mac, mac, 6);
	}
	*f = (struct tof_frame){ .buf = slot, .off = (uint32_t)(frame - slot),
				 .len = plen + ETH_HLEN, .cap = NFQ_SLOT };
	return true;
}

unsigned int nfq_verdict_plan(const struct nfq_pkt *pk, unsigned int n, struct nfq_verdict *out)
{
	unsigned int m = 0, run = 0;
	uint32_t run_last = 0;

	for (unsigned int i = 0; i <= n; i++) {
		bool flush = i == n || (pk[i].parsed && pk[i].verdict != NF_ACCEPT);
		if (flush && run > 0) {
			out[m++] = (struct nfq_verdict){ .id = run_last, .verdict = NF_ACCEPT,
							 .batch = run > 1 };
			run = 0;
		}
		if (i == n || !pk[i].parsed)
			continue;
		if (pk[i].verdict == NF_ACCEPT) {
			run++;
			run_last = pk[i].id;
		} else {
			out[m++] = (struct nfq_verdict){ .id = pk[i].id, .verdict = pk[i].verdict };
		}
	}
	return m;
}

/* The verdicts of a burst, in one message to the kernel. */
static void nfq_verdicts(struct nfq_queue *q, const struct nfq_pkt *pk, unsigned int n)
{
	char buf[NFQ_BURST * NFQ_VERDICT_ROOM];
	struct nfq_verdict v[NFQ_BURST];
	unsigned int m = nfq_verdict_plan(pk, n, v);
	size_t off = 0;

	for (unsigned int i = 0; i < m; i++) {
		struct nlmsghdr *nlh = nfq_nlmsg_put(buf + off, v[i].batch ? NFQNL_MSG_VERDICT_BATCH :
						     NFQNL_MSG_VERDICT, q->num);
		nfq_nlmsg_verdict_put(nlh, (int)v[i].id, v[i].verdict);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (off > 0 && mnl_socket_sendto(q->nl, buf, off) < 0)
		q->w.ctr.unprocessed++; /* the kernel fails them open when we are gone */
}

/* Tell the kernel a tunnel the pipeline passed as known: it forwards the
 * tunnel's packets itself until until_ns. */
static void nfq_confirm(struct nfq_queue *q, const struct tof_frame *f, const struct tof_result *r,
			uint64_t now, struct nfq_bpf_key *done, unsigned int *n_done)
{
	/* the session as the decision saw it (valid until our next quiescent
	 * point, after the burst) */
	const struct tof_sess_hot *h = r->hot;
	struct tof_s1_pkt p;
	struct nfq_bpf_key k;
	struct nfq_bpf_tun v;

	if (h == NULL || tof_classify_s1(f->buf + f->off, f->len, PKT_L2_ETH, &p) != TOF_C_GPDU)
		return;
	nfq_bpf_key_make(&k, &p.outer.src, &p.outer.dst, p.gtp.teid);
	for (unsigned int i = 0; i < *n_done; i++)
		if (memcmp(&done[i], &k, sizeof(k)) == 0)
			return;
	const struct gtp_addr ue4 = h->ue4, ue6 = h->ue6;
	memset(&v, 0, sizeof(v));
	v.until_ns = now + q->n->refresh_ns;
	v.dir = r->dir == TOF_DIR_UPLINK ? NFQ_BPF_UPLINK : NFQ_BPF_DOWNLINK;
	v.has4 = ue4.family == GTP_AF_INET;
	v.has6 = ue6.family == GTP_AF_INET6;
	memcpy(v.ue4, ue4.b, 4);
	memcpy(v.ue6, ue6.b, 8);
	nfq_bpf_tunnel_set(&q->n->bpf, &k, &v);
	done[(*n_done)++] = k;
}

static bool nfq_confirmable(const struct tof_result *r)
{
	return r->verdict == TOF_V_PASS && !r->punted && r->hot != NULL &&
	       (r->reason == TOF_R_UL_KNOWN || r->reason == TOF_R_DL_KNOWN);
}

/* One burst: returns the number of messages received (0: none waiting). */
static int nfq_queue_burst(struct nfq_queue *q)
{
	struct mmsghdr msgs[NFQ_BURST];
	struct iovec iov[NFQ_BURST];
	struct nfq_pkt pk[NFQ_BURST];
	struct tof_frame f[NFQ_BURST];
	struct tof_result res[NFQ_BURST];
	struct nfq_bpf_key done[NFQ_BURST];
	unsigned int idx[NFQ_BURST], nf = 0, n_done = 0;
	bool keep[NFQ_BURST]; /* not sent: we do not have all of it */

	int n = nfq_recv_burst(mnl_socket_get_fd(q->nl), q->bufs, msgs, iov);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		uint8_t *slot = q->bufs + (size_t)i * NFQ_SLOT;
		if (nfq_frame(q, slot, msgs[i].msg_len, &pk[i], &f[nf]))
			idx[nf++] = (unsigned int)i;
	}
	uint64_t now = nfq_now_ns();
	tof_pipeline_process_burst(q->n->ctx.pl, &q->w, f, (uint16_t)nf, q->port, now, res);
	for (unsigned int j = 0; j < nf; j++) {
		struct nfq_pkt *p = &pk[idx[j]];
		keep[j] = false;
		if (res[j].verdict == TOF_V_PASS)
			continue;
		if (res[j].verdict == TOF_V_OFFLOAD && p->truncated) {
			/* we do not have all of it: it goes on as it is */
			q->w.ctr.unprocessed++;
			keep[j] = true;
			continue;
		}
		/* offloaded, answered, consumed or dropped: not the kernel's */
		p->verdict = NF_DROP;
	}
	nfq_tx_results(q->n, q->tx, &q->w, f, res, keep, nf);
	nfq_verdicts(q, pk, (unsigned int)n);
	if (q->n->bpf_on)
		for (unsigned int j = 0; j < nf; j++)
			if (nfq_confirmable(&res[j]))
				nfq_confirm(q, &f[j], &res[j], now, done, &n_done);
	return n;
}

void *nfq_queue_main(void *arg)
{
	struct nfq_queue *q = arg;
	struct pollfd pfd[2] = {
		{ .fd = mnl_socket_get_fd(q->nl), .events = POLLIN },
		{ .fd = q->n->stop_fd, .events = POLLIN },
	};

	struct tof_qsbr *qs = &q->n->ctx.pl->tables->qsbr;

	tof_qsbr_online(qs, q->reader);
	while (!__atomic_load_n(&q->n->quit, __ATOMIC_ACQUIRE)) {
		int got = nfq_queue_burst(q);
		/* no table pointer is held from here on */
		tof_qsbr_quiescent(qs, q->reader);
		if (got > 0)
			continue;
		/* idle: the writer need not wait for us while we sleep */
		tof_qsbr_offline(qs, q->reader);
		poll(pfd, 2, 1000);
		tof_qsbr_online(qs, q->reader);
	}
	/* The rules are gone: what is still queued gets its verdict. */
	for (int idle = 0; idle < 3;) {
		int got = nfq_queue_burst(q);
		tof_qsbr_quiescent(qs, q->reader);
		if (got > 0) {
			idle = 0;
			continue;
		}
		idle++;
		tof_qsbr_offline(qs, q->reader);
		poll(pfd, 1, 10);
		tof_qsbr_online(qs, q->reader);
	}
	tof_qsbr_offline(qs, q->reader);
	return NULL;
}
