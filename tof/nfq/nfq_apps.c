/* The apps interface in kernel mode: an AF_PACKET socket receives every
 * frame the apps send (promiscuous: they reach us through the TOF's own
 * apps MAC, which the interface does not have); the pipeline encapsulates
 * their replies, which leave towards the eNB (and answers the ones too big
 * for the tunnel itself). ARP and ND go to the agent, whose answers leave
 * through its own socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nfq_internal.h"

int nfq_apps_open(struct nfq_apps *a, char *err, size_t errlen)
{
	struct nfq_port_name *p = &a->n->apps;
	struct packet_mreq mr;
	int one = 1, rcvbuf = 8 << 20;

	a->bufs = malloc((size_t)NFQ_BURST * NFQ_SLOT);
	if (a->bufs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->fd = nfq_packet_socket(p, ETH_P_ALL, err, errlen);
	if (a->fd < 0)
		return -1;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0) {
		snprintf(err, errlen, "apps: promiscuous mode on %s: %s", p->name, strerror(errno));
		return -1;
	}
	/* Not what we send ourselves (the offloaded packets). */
	setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

void nfq_apps_close(struct nfq_apps *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	free(a->bufs);
	a->bufs = NULL;
}

static int nfq_apps_burst(struct nfq_apps *a)
{
	struct mmsghdr msgs[NFQ_BURST];
	struct iovec iov[NFQ_BURST];
	struct tof_frame f[NFQ_BURST];
	struct tof_result res[NFQ_BURST];
	unsigned int nf = 0;

	/* (the headroom is for the tunnel headers a reply gets) */
	int n = nfq_recv_burst(a->fd, a->bufs, msgs, iov);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			a->w.ctr.unprocessed++; /* larger than a slot (GRO on the apps link?) */
			continue;
		}
		f[nf++] = (struct tof_frame){ .buf = a->bufs + (size_t)i * NFQ_SLOT,
					      .off = NFQ_HEADROOM, .len = msgs[i].msg_len,
					      .cap = NFQ_SLOT };
	}
	tof_pipeline_process_burst(a->n->ctx.pl, &a->w, f, (uint16_t)nf, TOF_PORT_APPS,
				   nfq_now_ns(), res);
	/* replies encapsulated towards the eNB; our answers (ICMP too big) to
	 * the apps */
	nfq_tx_results(a->n, a->tx, &a->w, f, res, NULL, nf);
	return n;
}

void *nfq_apps_main(void *arg)
{
	struct nfq_apps *a = arg;
	struct pollfd pfd[2] = {
		{ .fd = a->fd, .events = POLLIN },
		{ .fd = a->n->stop_fd, .events = POLLIN },
	};

	struct tof_qsbr *qs = &a->n->ctx.pl->tables->qsbr;

	tof_qsbr_online(qs, a->reader);
	while (!__atomic_load_n(&a->n->quit, __ATOMIC_ACQUIRE)) {
		int got = nfq_apps_burst(a);
		tof_qsbr_quiescent(qs, a->reader); /* no table pointer held */
		if (got > 0)
			continue;
		tof_qsbr_offline(qs, a->reader); /* asleep: nobody waits for us */
		poll(pfd, 2, 1000);
		tof_qsbr_online(qs, a->reader);
	}
	tof_qsbr_offline(qs, a->reader);
	return NULL;
}
