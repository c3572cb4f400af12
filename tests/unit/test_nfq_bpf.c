/* The kernel-mode BPF program (tof/nfq/nfq_bpf*.c), loaded into this kernel
 * and run on packets with BPF_PROG_TEST_RUN: 1 (the kernel passes it) only
 * for a confirmed, unexpired tunnel with the UE's source and no service
 * destination; 0 (tofd's queue) for everything else. Needs root (CAP_BPF). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gtp.h"
#include "nfq_bpf.h"
#include "tframe.h"

#define ENB "198.18.0.1"
#define SGW "198.18.0.2"
#define UE "198.19.0.5"
#define PDN "203.0.113.7"
#define SVC_IP "203.0.113.100"
#define TEID_UL 0x11223344u
#define TEID_DL 0x55667788u
#define IDENT 0x544f

struct fix {
	struct nfq_bpf b;
	struct tof_tables *t;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int setup(void **state)
{
	static struct fix f;
	char err[512];

	if (geteuid() != 0)
		return 0; /* each test skips */
	memset(&f, 0, sizeof(f));
	if (nfq_bpf_open(&f.b, 1024, 16, IDENT, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f.t = tof_tables_create(64, 16);
	if (!f.t)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f) {
		nfq_bpf_close(&f->b);
		tof_tables_destroy(f->t);
	}
	return 0;
}

static struct fix *fix_of(void **state)
{
	if (geteuid() != 0)
		skip();
	return *state;
}

/* A raw-IP G-PDU (or, with msg_type, another GTP-U message). */
static const uint8_t *pkt(struct tframe *t, size_t *len, const char *osrc, const char *odst,
			  uint32_t teid, const char *isrc, const char *idst, uint8_t proto)
{
	struct tframe_spec s;

	tframe_default(&s);
	s.l2 = PKT_L2_RAW;
	s.outer_src = osrc;
	s.outer_dst = odst;
	s.teid = teid;
	s.inner_src = isrc;
	s.inner_dst = idst;
	s.proto = proto;
	*len = tframe_build(t, &s);
	return t->f.buf + t->f.off;
}

static void confirm(struct fix *f, const char *src, const char *dst, uint32_t teid, uint8_t dir,
		    const char *ue, uint64_t until)
{
	struct gtp_addr a = tframe_addr(src), b = tframe_addr(dst);
	struct nfq_bpf_key k;
	struct nfq_bpf_tun v;

	memset(&v, 0, sizeof(v));
	v.until_ns = until;
	v.dir = dir;
	if (ue) {
		struct gtp_addr u = tframe_addr(ue);
		if (u.family == GTP_AF_INET) {
			v.has4 = 1;
			memcpy(v.ue4, u.b, 4);
		} else {
			v.has6 = 1;
			memcpy(v.ue6, u.b, 8);
		}
	}
	nfq_bpf_key_make(&k, &a, &b, teid);
	assert_int_equal(nfq_bpf_tunnel_set(&f->b, &k, &v), 0);
}

static void forget(struct fix *f, const char *src, const char *dst, uint32_t teid)
{
	struct gtp_addr a = tframe_addr(src), b = tframe_addr(dst);
	struct nfq_bpf_key k;

	nfq_bpf_key_make(&k, &a, &b, teid);
	nfq_bpf_tunnel_del(&f->b, &k);
}

static void test_unknown_and_known(void **state)
{
	struct fix *f = fix_of(state);
	struct nfq_bpf_counts c0, c1;
	struct tframe t;
	size_t len;
	const uint8_t *p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, PDN, PKT_PROTO_UDP);

	nfq_bpf_counts(&f->b, &c0);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	confirm(f, ENB, SGW, TEID_UL, NFQ_BPF_UPLINK, UE, now_ns() + 5000000000ULL);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	nfq_bpf_counts(&f->b, &c1);
	assert_int_equal(c1.pkts[0] - c0.pkts[0], 1);
	assert_int_equal(c1.bytes[0] - c0.bytes[0], len);
	assert_int_equal(c1.pkts[1], c0.pkts[1]);

	/* another TEID, another eNB (a handover), the reverse direction */
	p = pkt(&t, &len, ENB, SGW, TEID_UL + 1, UE, PDN, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	p = pkt(&t, &len, "198.18.0.11", SGW, TEID_UL, UE, PDN, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	p = pkt(&t, &len, SGW, ENB, TEID_UL, PDN, UE, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);

	/* a source that is not the UE's: tofd counts or learns it */
	p = pkt(&t, &len, ENB, SGW, TEID_UL, "198.19.0.6", PDN, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	p = pkt(&t, &len, ENB, SGW, TEID_UL, "2001:db8:1::5", "2001:db8:2::7", PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	forget(f, ENB, SGW, TEID_UL);
}

static void test_expiry_and_sweep(void **state)
{
	struct fix *f = fix_of(state);
	struct tframe t;
	size_t len;
	const uint8_t *p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, PDN, PKT_PROTO_TCP);
	uint64_t now = now_ns();

	/* (the program reads the coarse clock: a tick may pass unseen) */
	confirm(f, ENB, SGW, TEID_UL, NFQ_BPF_UPLINK, UE, now - 100000000ULL);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	confirm(f, ENB, SGW, TEID_UL + 1, NFQ_BPF_UPLINK, UE, now - 2);
	confirm(f, ENB, SGW, TEID_UL + 2, NFQ_BPF_UPLINK, UE, now + 60000000000ULL);
	/* a small budget: the sweep carries on where it stopped */
	uint32_t gone = 0;
	for (int i = 0; i < 10; i++)
		gone += nfq_bpf_sweep(&f->b, now, 1);
	assert_int_equal(gone, 2);
	struct nfq_bpf_key k;
	struct nfq_bpf_tun v;
	struct gtp_addr a = tframe_addr(ENB), b = tframe_addr(SGW);
	nfq_bpf_key_make(&k, &a, &b, TEID_UL);
	assert_int_not_equal(nfq_bpf_tunnel_get(&f->b, &k, &v), 0);
	nfq_bpf_key_make(&k, &a, &b, TEID_UL + 2);
	assert_int_equal(nfq_bpf_tunnel_get(&f->b, &k, &v), 0);
	p = pkt(&t, &len, ENB, SGW, TEID_UL + 2, UE, PDN, PKT_PROTO_TCP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	forget(f, ENB, SGW, TEID_UL + 2);
}

static void test_services(void **state)
{
	struct fix *f = fix_of(state);
	struct tof_service_config sc;
	struct tframe t;
	size_t len;
	const uint8_t *p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, SVC_IP, PKT_PROTO_TCP);

	confirm(f, ENB, SGW, TEID_UL, NFQ_BPF_UPLINK, UE, now_ns() + 5000000000ULL);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "cache");
	sc.service_ip = tframe_addr(SVC_IP);
	sc.app_ip = tframe_addr("198.51.100.10");
	uint32_t slot = tof_service_add(f->t, &sc);
	assert_int_not_equal(slot, TOF_NO_SLOT);
	snprintf(sc.name, sizeof(sc.name), "v6");
	sc.service_ip = tframe_addr("2001:db8:cafe::1");
	sc.app_ip = tframe_addr("2001:db8:51::10");
	assert_int_not_equal(tof_service_add(f->t, &sc), TOF_NO_SLOT);
	assert_int_equal(nfq_bpf_services_sync(&f->b, f->t), 0);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	/* other destinations still pass in the kernel */
	p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, "203.0.113.101", PKT_PROTO_TCP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	/* the service leaves: its traffic stays in the kernel again */
	tof_service_del(f->t, slot);
	assert_int_equal(nfq_bpf_services_sync(&f->b, f->t), 0);
	p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, SVC_IP, PKT_PROTO_TCP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	/* the IPv6 service is still there */
	confirm(f, ENB, SGW, TEID_UL + 9, NFQ_BPF_UPLINK, "2001:db8:1:2::5",
		now_ns() + 5000000000ULL);
	p = pkt(&t, &len, ENB, SGW, TEID_UL + 9, "2001:db8:1:2::77", "2001:db8:cafe::1",
		PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	p = pkt(&t, &len, ENB, SGW, TEID_UL + 9, "2001:db8:1:2::77", "2001:db8:cafe::2",
		PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	p = pkt(&t, &len, ENB, SGW, TEID_UL + 9, "2001:db8:1:3::77", "2001:db8:cafe::2",
		PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0); /* another /64 */
	/* many services: the filter in front of the map misses none of them */
	for (int i = 0; i < 14; i++) {
		char sip[32], aip[32];
		snprintf(sc.name, sizeof(sc.name), "s%d", i);
		snprintf(sip, sizeof(sip), "203.0.113.%d", 110 + i * 5);
		snprintf(aip, sizeof(aip), "198.51.100.%d", 20 + i);
		sc.service_ip = tframe_addr(sip);
		sc.app_ip = tframe_addr(aip);
		assert_int_not_equal(tof_service_add(f->t, &sc), TOF_NO_SLOT);
	}
	assert_int_equal(nfq_bpf_services_sync(&f->b, f->t), 0);
	for (int d = 100; d < 200; d++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "203.0.113.%d", d);
		p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, dst, PKT_PROTO_UDP);
		bool svc = d >= 110 && d < 110 + 14 * 5 && (d - 110) % 5 == 0;
		assert_int_equal(nfq_bpf_run(&f->b, p, len), svc ? 0 : 1);
	}
	forget(f, ENB, SGW, TEID_UL);
	forget(f, ENB, SGW, TEID_UL + 9);
}

/* Downlink: echo replies that may answer the pinger go to tofd. */
static void test_downlink_pinger(void **state)
{
	struct fix *f = fix_of(state);
	struct tframe t;
	size_t len;
	uint8_t *p = (uint8_t *)pkt(&t, &len, SGW, ENB, TEID_DL, PDN, UE, PKT_PROTO_ICMP);
	uint8_t *icmp = p + len - 8 - 32;

	confirm(f, SGW, ENB, TEID_DL, NFQ_BPF_DOWNLINK, UE, now_ns() + 5000000000ULL);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1); /* echo request */
	icmp[0] = 0;                                     /* echo reply, ident 0x1234 */
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	icmp[4] = IDENT >> 8;
	icmp[5] = IDENT & 0xff;
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	forget(f, SGW, ENB, TEID_DL);

	confirm(f, SGW, ENB, TEID_DL, NFQ_BPF_DOWNLINK, "2001:db8:1::9", now_ns() + 5000000000ULL);
	p = (uint8_t *)pkt(&t, &len, SGW, ENB, TEID_DL, "2001:db8:71::1", "2001:db8:1::5",
			   PKT_PROTO_ICMPV6);
	icmp = p + len - 8 - 32;
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	icmp[0] = 129;
	icmp[4] = IDENT >> 8;
	icmp[5] = IDENT & 0xff;
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	forget(f, SGW, ENB, TEID_DL);

	/* downlink to an address that is not the UE's: the core's word that
	 * it is now (tofd learns it), or another /64 */
	confirm(f, SGW, ENB, TEID_DL, NFQ_BPF_DOWNLINK, UE, now_ns() + 5000000000ULL);
	p = (uint8_t *)pkt(&t, &len, SGW, ENB, TEID_DL, PDN, UE, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	p = (uint8_t *)pkt(&t, &len, SGW, ENB, TEID_DL, PDN, "198.19.0.77", PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	p = (uint8_t *)pkt(&t, &len, SGW, ENB, TEID_DL, "2001:db8:2::7", "2001:db8:1::5",
			   PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0); /* no IPv6 address known */
	forget(f, SGW, ENB, TEID_DL);
}

/* Insert the optional fields (S flag, sequence) into a G-PDU. */
static size_t with_seq(uint8_t *out, const uint8_t *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 15) * 4, g = ihl + 8;

	memcpy(out, p, g + 8);
	out[g] |= 0x02;
	memset(out + g + 8, 0, 4);
	out[g + 9] = 7;
	memcpy(out + g + 12, p + g + 8, len - g - 8);
	len += 4;
	out[2] = (uint8_t)(len >> 8), out[3] = (uint8_t)len;
	uint16_t ul = (uint16_t)(len - ihl), gl = (uint16_t)(len - g - 8);
	out[ihl + 4] = (uint8_t)(ul >> 8), out[ihl + 5] = (uint8_t)ul;
	out[g + 2] = (uint8_t)(gl >> 8), out[g + 3] = (uint8_t)gl;
	return len;
}

static void test_shapes(void **state)
{
	struct fix *f = fix_of(state);
	struct tframe_spec s;
	struct tframe t;
	uint8_t buf[2048];
	size_t len;
	const uint8_t *p = pkt(&t, &len, ENB, SGW, TEID_UL, UE, SVC_IP, PKT_PROTO_UDP);

	confirm(f, ENB, SGW, TEID_UL, NFQ_BPF_UPLINK, UE, now_ns() + 5000000000ULL);
	/* sequence numbers (osmocom peers send them) */
	size_t n = with_seq(buf, p, len);
	assert_int_equal(nfq_bpf_run(&f->b, buf, n), 1);
	/* a PDU Session Container (5G N3) */
	tframe_default(&s);
	s.l2 = PKT_L2_RAW;
	s.outer_src = ENB, s.outer_dst = SGW, s.teid = TEID_UL;
	s.inner_src = UE, s.inner_dst = PDN;
	s.with_qfi = true, s.qfi = 9, s.pdu_type = 1;
	len = tframe_build(&t, &s);
	p = t.f.buf + t.f.off;
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	/* ... unless its inner packet is cut short */
	assert_int_equal(nfq_bpf_run(&f->b, p, 20 + 8 + 16 + 10), 0);
	/* GTP-U messages: End Marker, Echo */
	s.with_qfi = false;
	s.msg_type = GTP_MSG_END_MARKER;
	len = tframe_build(&t, &s);
	assert_int_equal(nfq_bpf_run(&f->b, t.f.buf + t.f.off, len), 0);
	s.msg_type = GTP_MSG_GPDU;
	len = tframe_build(&t, &s);
	memcpy(buf, t.f.buf + t.f.off, len);
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 1);
	/* an outer fragment, another UDP port, not UDP, GTPv0, short */
	buf[6] = 0x20;
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 0);
	buf[6] = 0;
	buf[20 + 3] = 0x69;
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 0);
	buf[20 + 3] = 0x68;
	buf[9] = 6;
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 0);
	buf[9] = 17;
	buf[28] = 0x10;
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 0);
	buf[28] = 0x30;
	assert_int_equal(nfq_bpf_run(&f->b, buf, len), 1);
	/* (the test run itself wants a whole IPv4 header, as iptables has) */
	for (size_t cut = 20; cut < 20 + 8 + 8 + 20; cut++)
		assert_int_equal(nfq_bpf_run(&f->b, buf, cut), 0);
	forget(f, ENB, SGW, TEID_UL);

	/* an IPv6 outer header */
	p = pkt(&t, &len, "2001:db8:e::1", "2001:db8:5::2", TEID_UL, UE, PDN, PKT_PROTO_UDP);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 0);
	confirm(f, "2001:db8:e::1", "2001:db8:5::2", TEID_UL, NFQ_BPF_UPLINK, UE,
		now_ns() + 5000000000ULL);
	assert_int_equal(nfq_bpf_run(&f->b, p, len), 1);
	forget(f, "2001:db8:e::1", "2001:db8:5::2", TEID_UL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_and_known),
		cmocka_unit_test(test_expiry_and_sweep),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_downlink_pinger),
		cmocka_unit_test(test_shapes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
