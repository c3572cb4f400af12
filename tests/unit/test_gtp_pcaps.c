/* gtp/ against every capture in ../shared/pcaps (or $TOF_PCAP_DIR), with
 * tshark as the oracle: each GTP-U G-PDU must decapsulate to exactly the
 * T-PDU bytes tshark shows, with the same TEID, flags and PDU Session
 * Container; every other GTP-looking frame must be classified as tshark
 * sees it (GTP-C, GTP', echo, malformed). Run from the repository root. */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gtp.h"
#include "pcap_io.h"
#include "pkt.h"
#include "tshark_oracle.h"

#define DEFAULT_PCAP_DIR "../shared/pcaps"
#define MAX_CAPTURES 128

/* What gtp/ says about one frame. */
struct our_frame {
	enum pkt_err l2_err, ip_err;
	bool udp;
	uint16_t sport, dport;
	enum gtp_err gerr;
	struct gtp_hdr h;
	uint8_t *inner;       /* copy of the T-PDU of a G-PDU */
	size_t inner_len;
	enum pkt_err inner_err;
	struct pkt_ip inner_ip;
};

struct capture {
	char name[256];
	char path[4096];
	char err[512];        /* set when loading failed */
	int dlt;
	unsigned int nframes;
	int derived_from;     /* index of the source capture, or -1 */
	unsigned int gpdus;   /* G-PDUs matched, set by the test */
	struct our_frame *ours; /* [1..nframes] */
	struct tsk_frame *tsk;  /* [1..nframes], tshark's view */
};

static struct capture caps[MAX_CAPTURES];
static unsigned int ncaps;
static char dir_err[512];
static bool dir_is_default;
static char tmp_dir[] = "/tmp/tof-gtp-pcaps-XXXXXX";
static bool tmp_made;

static bool is_gtpu_port(const struct our_frame *o)
{
	return o->udp && (o->sport == GTPU_PORT || o->dport == GTPU_PORT);
}

static void our_parse(const uint8_t *f, size_t len, enum pkt_l2_type l2t, struct our_frame *o)
{
	struct pkt_l2 l2;
	struct pkt_ip ip;
	struct pkt_udp udp;
	const uint8_t *payload;

	o->gerr = GTP_ERR__COUNT; /* not parsed */
	o->l2_err = pkt_parse_l2(f, len, l2t, &l2);
	if (o->l2_err != PKT_OK)
		return;
	if (l2.ethertype != PKT_ETHERTYPE_IPV4 && l2.ethertype != PKT_ETHERTYPE_IPV6)
		return;
	o->ip_err = pkt_parse_ip(f + l2.l3_off, len - l2.l3_off, &ip);
	if (o->ip_err != PKT_OK || ip.proto != PKT_PROTO_UDP || ip.is_fragment)
		return;
	if (pkt_parse_udp(f + l2.l3_off, &ip, &udp) != PKT_OK)
		return;
	o->udp = true;
	o->sport = udp.sport;
	o->dport = udp.dport;
	payload = f + l2.l3_off + udp.payload_off;
	o->gerr = gtp_parse(payload, udp.payload_len, &o->h);
	if (o->gerr != GTP_OK || o->h.msg_type != GTP_MSG_GPDU)
		return;
	o->inner_len = (size_t)o->h.msg_len - o->h.hdr_len;
	o->inner = malloc(o->inner_len);
	memcpy(o->inner, payload + o->h.hdr_len, o->inner_len);
	o->inner_err = pkt_parse_ip(o->inner, o->inner_len, &o->inner_ip);
}

/* Count the frames first, so both views can be indexed by frame number. */
static int count_frames(struct capture *c)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *p = pcap_open_offline(c->path, eb);
	int r;

	if (p == NULL) {
		snprintf(c->err, sizeof(c->err), "pcap_open_offline: %s", eb);
		return -1;
	}
	c->dlt = pcap_datalink(p);
	c->nframes = 0;
	while ((r = pcap_next_ex(p, &ph, &data)) == 1)
		c->nframes++;
	if (r == -1)
		snprintf(c->err, sizeof(c->err), "pcap read: %s", pcap_geterr(p));
	pcap_close(p);
	return r == -1 ? -1 : 0;
}

static int parse_frames(struct capture *c)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	enum pkt_l2_type l2t;
	unsigned int n = 0;
	pcap_t *p;

	if (tof_pcap_dlt_to_l2(c->dlt, &l2t) != 0) {
		snprintf(c->err, sizeof(c->err), "link type %d not handled", c->dlt);
		return -1;
	}
	p = pcap_open_offline(c->path, eb);
	if (p == NULL) {
		snprintf(c->err, sizeof(c->err), "pcap_open_offline: %s", eb);
		return -1;
	}
	while (n < c->nframes && pcap_next_ex(p, &ph, &data) == 1) {
		/* an exact copy: a read past the frame is an ASan error */
		uint8_t *f = malloc(ph->caplen ? ph->caplen : 1);

		memcpy(f, data, ph->caplen);
		our_parse(f, ph->caplen, l2t, &c->ours[++n]);
		free(f);
	}
	pcap_close(p);
	return 0;
}

static void load_capture(struct capture *c)
{
	if (count_frames(c) != 0)
		return;
	c->ours = calloc(c->nframes + 1, sizeof(*c->ours));
	c->tsk = calloc(c->nframes + 1, sizeof(*c->tsk));
	if (parse_frames(c) != 0)
		return;
	tshark_oracle_load(c->path, c->nframes, c->tsk, c->err, sizeof(c->err));
}

static void free_capture(struct capture *c)
{
	tshark_oracle_free(c->tsk, c->nframes);
	for (unsigned int i = 0; c->ours && i <= c->nframes; i++)
		free(c->ours[i].inner);
	free(c->tsk);
	free(c->ours);
}

/* The shared captures are Ethernet and Linux cooked v1 only. To run the
 * SLL2 and raw-IP paths against the same oracle, each is rewritten with its
 * link header replaced (raw: IP frames only) into a temporary capture, which
 * then goes through tshark and gtp/ like any other. */
static void derive_capture(const struct capture *src, int dlt, const char *tag,
			   struct capture *dst)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph, oh;
	const u_char *data;
	enum pkt_l2_type l2t;
	pcap_dumper_t *dump;
	pcap_t *in, *dead;
	uint8_t out[65536 + PKT_SLL2_HLEN];

	dst->derived_from = (int)(src - caps);
	snprintf(dst->name, sizeof(dst->name), "%.200s~%s", src->name, tag);
	snprintf(dst->path, sizeof(dst->path), "%s/%.200s.%s.pcap", tmp_dir, src->name, tag);
	if (tof_pcap_dlt_to_l2(src->dlt, &l2t) != 0) {
		snprintf(dst->err, sizeof(dst->err), "link type %d not handled", src->dlt);
		return;
	}
	in = pcap_open_offline(src->path, eb);
	if (in == NULL) {
		snprintf(dst->err, sizeof(dst->err), "pcap_open_offline: %s", eb);
		return;
	}
	dead = pcap_open_dead(dlt, 65535);
	dump = pcap_dump_open(dead, dst->path);
	if (dump == NULL) {
		snprintf(dst->err, sizeof(dst->err), "pcap_dump_open: %s", pcap_geterr(dead));
		pcap_close(dead);
		pcap_close(in);
		return;
	}
	while (pcap_next_ex(in, &ph, &data) == 1) {
		struct pkt_l2 l2;
		size_t hl = 0, body;

		if (pkt_parse_l2(data, ph->caplen, l2t, &l2) != PKT_OK)
			continue;
		bool ip = l2.ethertype == PKT_ETHERTYPE_IPV4 || l2.ethertype == PKT_ETHERTYPE_IPV6;
		if (dlt == DLT_RAW && !ip)
			continue;
		if (dlt != DLT_RAW) {
			/* protocol, reserved, ifindex, ARPHRD_ETHER, host, 6, MAC */
			memset(out, 0, PKT_SLL2_HLEN);
			out[0] = (uint8_t)(l2.ethertype >> 8);
			out[1] = (uint8_t)l2.ethertype;
			out[7] = 1;
			out[9] = 1;
			out[11] = 6;
			hl = PKT_SLL2_HLEN;
		}
		body = ph->caplen - l2.l3_off;
		memcpy(out + hl, data + l2.l3_off, body);
		oh = *ph;
		oh.caplen = (bpf_u_int32)(hl + body);
		oh.len = (bpf_u_int32)(ph->len - l2.l3_off + hl);
		pcap_dump((u_char *)dump, &oh, out);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	pcap_close(in);
	load_capture(dst);
}

static void derive_captures(void)
{
	unsigned int n = ncaps;

	if (mkdtemp(tmp_dir) == NULL) {
		snprintf(dir_err, sizeof(dir_err), "mkdtemp: %s", strerror(errno));
		return;
	}
	tmp_made = true;
	for (unsigned int i = 0; i < n && ncaps + 2 <= MAX_CAPTURES; i++) {
		if (caps[i].err[0] || caps[i].dlt == DLT_RAW)
			continue;
		derive_capture(&caps[i], DLT_RAW, "raw", &caps[ncaps++]);
#ifdef DLT_LINUX_SLL2
		derive_capture(&caps[i], DLT_LINUX_SLL2, "sll2", &caps[ncaps++]);
#endif
	}
}

static void remove_derived(void)
{
	struct dirent *de;
	char path[4096];
	DIR *d;

	if (!tmp_made)
		return;
	d = opendir(tmp_dir);
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%.200s", tmp_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmp_dir);
}

static bool is_capture_name(const char *n)
{
	size_t l = strlen(n);

	return (l > 5 && strcmp(n + l - 5, ".pcap") == 0) ||
	       (l > 7 && strcmp(n + l - 7, ".pcapng") == 0) ||
	       (l > 4 && strcmp(n + l - 4, ".cap") == 0);
}

static int cmp_caps(const void *a, const void *b)
{
	return strcmp(((const struct capture *)a)->name, ((const struct capture *)b)->name);
}

static int setup(void **state)
{
	const char *dir = getenv("TOF_PCAP_DIR");
	struct dirent *de;
	DIR *d;
	(void)state;

	dir_is_default = dir == NULL || *dir == '\0';
	if (dir_is_default)
		dir = DEFAULT_PCAP_DIR;
	d = opendir(dir);
	if (d == NULL) {
		snprintf(dir_err, sizeof(dir_err), "capture directory %s: %s", dir,
			 strerror(errno));
		return 0; /* the tests report it */
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_capture_name(de->d_name))
			continue;
		if (ncaps == MAX_CAPTURES) {
			snprintf(dir_err, sizeof(dir_err), "more than %d captures", MAX_CAPTURES);
			break;
		}
		struct capture *c = &caps[ncaps++];
		snprintf(c->name, sizeof(c->name), "%s", de->d_name);
		snprintf(c->path, sizeof(c->path), "%s/%s", dir, de->d_name);
		c->derived_from = -1;
	}
	closedir(d);
	if (ncaps == 0 && dir_err[0] == '\0')
		snprintf(dir_err, sizeof(dir_err), "no captures in %s", dir);
	qsort(caps, ncaps, sizeof(caps[0]), cmp_caps);
	for (unsigned int i = 0; i < ncaps; i++)
		load_capture(&caps[i]);
	if (ncaps)
		derive_captures();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ncaps; i++)
		free_capture(&caps[i]);
	remove_derived();
	return 0;
}

static void require_loaded(void)
{
	if (dir_err[0])
		fail_msg("%s", dir_err);
	for (unsigned int i = 0; i < ncaps; i++)
		if (caps[i].err[0])
			fail_msg("%s: %s", caps[i].name, caps[i].err);
}

static const struct capture *find_capture(const char *name)
{
	for (unsigned int i = 0; i < ncaps; i++)
		if (strcmp(caps[i].name, name) == 0)
			return &caps[i];
	return NULL;
}

#define CHECK(cond, c, n, ...)                                                        \
	do {                                                                          \
		if (!(cond)) {                                                        \
			print_error("%s frame %u: ", (c)->name, (n));                 \
			fail_msg(__VA_ARGS__);                                        \
		}                                                                     \
	} while (0)

/* ---- tests ---- */

/* Inner header fields against tshark's occurrence of the inner IP layer:
 * the layer right after "gtp" in frame.protocols; its index among the
 * layers of that family is the number of that family's layers before. */
static void check_inner_fields(const struct capture *c, unsigned int n,
			       const struct tsk_frame *t, const struct our_frame *o)
{
	char before[512], tok[16], want[64];
	const char *g = strstr(t->protos, ":gtp:");
	unsigned int k = 0;
	struct gtp_addr a;

	CHECK(g != NULL, c, n, "no inner layer after gtp in %s", t->protos);
	size_t blen = (size_t)(g - t->protos);
	snprintf(before, sizeof(before), ":%.*s:", (int)blen, t->protos);
	size_t tl = strcspn(g + 5, ":");
	snprintf(tok, sizeof(tok), "%.*s", (int)tl, g + 5);
	bool v6 = strcmp(tok, "ipv6") == 0;
	CHECK(v6 || strcmp(tok, "ip") == 0, c, n, "inner layer is %s", tok);

	char pat[20];
	snprintf(pat, sizeof(pat), ":%s:", tok);
	for (const char *p = before; (p = strstr(p, pat)) != NULL; p++)
		k++;

	CHECK(o->inner_err == PKT_OK, c, n, "inner: %s", pkt_strerror(o->inner_err));
	CHECK(o->inner_ip.family == (v6 ? GTP_AF_INET6 : GTP_AF_INET), c, n, "inner family");
	CHECK(tshark_list_nth(v6 ? t->ip6_src : t->ip_src, k, want, sizeof(want)), c, n,
	      "no inner src from tshark");
	CHECK(gtp_addr_parse(want, &a) == 0 && gtp_addr_eq(&a, &o->inner_ip.src), c, n,
	      "inner src %s", want);
	CHECK(tshark_list_nth(v6 ? t->ip6_dst : t->ip_dst, k, want, sizeof(want)), c, n,
	      "no inner dst from tshark");
	CHECK(gtp_addr_parse(want, &a) == 0 && gtp_addr_eq(&a, &o->inner_ip.dst), c, n,
	      "inner dst %s", want);
	CHECK(tshark_list_nth(v6 ? t->ip6_plen : t->ip_len, k, want, sizeof(want)), c, n,
	      "no inner length from tshark");
	CHECK(strtoul(want, NULL, 0) + (v6 ? 40 : 0) == o->inner_ip.tot_len, c, n, "inner length %s vs %u",
	      want, o->inner_ip.tot_len);
	/* tshark's ipv6.nxt is the fixed header's; ours is after extensions */
	if (!v6 || !o->inner_ip.has_options) {
		CHECK(tshark_list_nth(v6 ? t->ip6_nxt : t->ip_proto, k, want, sizeof(want)), c, n,
		      "no inner protocol from tshark");
		CHECK(strtoul(want, NULL, 0) == o->inner_ip.proto, c, n, "inner protocol %s vs %u", want,
		      o->inner_ip.proto);
	}
}

static void check_gtp_header(const struct capture *c, unsigned int n, const struct tsk_frame *t,
			     const struct our_frame *o)
{
	CHECK(o->h.flags == t->flags, c, n, "flags %#x vs tshark %#x", o->h.flags, t->flags);
	CHECK(o->h.msg_type == t->msg, c, n, "type %u vs tshark %u", o->h.msg_type, t->msg);
	CHECK(o->h.teid == t->teid, c, n, "TEID %#x vs tshark %#x", o->h.teid, t->teid);
	if (o->h.flags & GTP_FLAG_S)
		CHECK(t->has_seq && o->h.seq == t->seq, c, n, "seq %u vs tshark %u", o->h.seq,
		      t->seq);
	CHECK(o->h.has_pdu_session == t->has_pdu, c, n, "PDU Session Container %d vs tshark %d",
	      o->h.has_pdu_session, t->has_pdu);
	if (t->has_pdu) {
		CHECK(o->h.pdu_type == t->pdu_type, c, n, "PDU type %u vs tshark %u",
		      o->h.pdu_type, t->pdu_type);
		CHECK(o->h.qfi == t->qfi, c, n, "QFI %u vs tshark %u", o->h.qfi, t->qfi);
	}
}

static const char *dlt_name(int dlt)
{
	const char *s = pcap_datalink_val_to_name(dlt);

	return s ? s : "?";
}

static void test_capture_dir(void **state)
{
	(void)state;
	require_loaded();
	for (unsigned int i = 0; i < ncaps; i++) {
		print_message("%-50s %s, %u frames\n", caps[i].name, dlt_name(caps[i].dlt),
			      caps[i].nframes);
		assert_true(caps[i].nframes > 0);
	}
}

/* Every G-PDU tshark sees, we decapsulate to the same bytes; every G-PDU
 * we accept on port 2152, tshark sees. */
static void test_gpdus_match_tshark(void **state)
{
	unsigned int total = 0;
	(void)state;

	require_loaded();
	for (unsigned int i = 0; i < ncaps; i++) {
		struct capture *c = &caps[i];
		unsigned int gpdus = 0, with_pdu = 0, v6_inner = 0;

		for (unsigned int n = 1; n <= c->nframes; n++) {
			const struct tsk_frame *t = &c->tsk[n];
			const struct our_frame *o = &c->ours[n];
			bool ours = is_gtpu_port(o) && o->gerr == GTP_OK &&
				    o->h.msg_type == GTP_MSG_GPDU;

			if (!t->gpdu) {
				CHECK(!ours, c, n, "G-PDU for us, not for tshark");
				continue;
			}
			CHECK(is_gtpu_port(o), c, n, "tshark G-PDU not on UDP port 2152");
			CHECK(o->gerr == GTP_OK, c, n, "gtp_parse: %s", gtp_strerror(o->gerr));
			CHECK(o->h.msg_type == GTP_MSG_GPDU, c, n, "type %u", o->h.msg_type);
			CHECK(o->h.teid == t->raw_teid, c, n, "TEID %#x vs %#x", o->h.teid,
			      t->raw_teid);
			CHECK(o->inner_len == t->tpdu_len, c, n, "T-PDU %zu octets vs tshark %zu",
			      o->inner_len, t->tpdu_len);
			CHECK(memcmp(o->inner, t->tpdu, t->tpdu_len) == 0, c, n,
			      "T-PDU bytes differ from tshark's");
			CHECK(t->seen && t->has_flags, c, n, "missing from tshark's full run");
			check_gtp_header(c, n, t, o);
			check_inner_fields(c, n, t, o);
			gpdus++;
			with_pdu += o->h.has_pdu_session;
			v6_inner += o->inner_ip.family == GTP_AF_INET6;
		}
		print_message("%-50s %3u G-PDUs (%u with PDU Session Container, %u IPv6 inside)\n",
			      c->name, gpdus, with_pdu, v6_inner);
		c->gpdus = gpdus;
		total += gpdus;
		/* the same G-PDUs whatever the link header */
		if (c->derived_from >= 0 && gpdus != caps[c->derived_from].gpdus)
			fail_msg("%s: %u G-PDUs, its source %u", c->name, gpdus,
				 caps[c->derived_from].gpdus);
	}
	assert_true(total > 0);
}

/* What tshark says GTP-like frames are, gtp_parse must agree with. */
static enum gtp_err expected_err(const struct tsk_frame *t)
{
	if (tshark_protos_has(t->protos, "gtpv2"))
		return GTP_ERR_VERSION;
	if ((t->flags >> 5) != 1)
		return GTP_ERR_VERSION;
	if (!(t->flags & GTP_FLAG_PT))
		return GTP_ERR_PT;
	return GTP_OK;
}

static void test_other_gtp_match_tshark(void **state)
{
	(void)state;

	require_loaded();
	for (unsigned int i = 0; i < ncaps; i++) {
		const struct capture *c = &caps[i];
		unsigned int msgs = 0, rejected = 0;

		for (unsigned int n = 1; n <= c->nframes; n++) {
			const struct tsk_frame *t = &c->tsk[n];
			const struct our_frame *o = &c->ours[n];

			if (!t->seen || t->gpdu)
				continue;
			if (!tshark_protos_has(t->protos, "gtp") && !tshark_protos_has(t->protos, "gtpprime")) {
				/* not GTP for tshark: never a G-PDU for us */
				CHECK(!(is_gtpu_port(o) && o->gerr == GTP_OK &&
					o->h.msg_type == GTP_MSG_GPDU),
				      c, n, "G-PDU for us, not GTP for tshark");
				continue;
			}
			CHECK(o->udp, c, n, "GTP frame not parsed as UDP");
			CHECK(t->has_flags || tshark_protos_has(t->protos, "gtpv2"), c, n,
			      "tshark gave no GTP flags");
			enum gtp_err want = expected_err(t);
			if (want == GTP_OK && t->malformed) {
				CHECK(o->gerr != GTP_OK, c, n, "accepted what tshark calls malformed");
				print_message("%-50s frame %u: malformed for tshark, %s for us\n",
					      c->name, n, gtp_strerror(o->gerr));
				rejected++;
				continue;
			}
			CHECK(o->gerr == want, c, n, "gtp_parse: %s, want %s",
			      gtp_strerror(o->gerr), gtp_strerror(want));
			if (want == GTP_OK) {
				check_gtp_header(c, n, t, o);
				msgs++;
			} else {
				rejected++;
			}
		}
		if (msgs || rejected)
			print_message("%-50s %u other GTP-U messages, %u not GTP-U\n", c->name,
				      msgs, rejected);
	}
}

/* What we know of the shared captures, beyond what tshark tells. */
struct known_frame {
	const char *file;
	unsigned int frame;
	enum gtp_err err;
	uint8_t msg_type;
	uint32_t teid;
	uint8_t ext_count;
	int qfi;          /* -1: no PDU Session Container */
	uint8_t pdu_type;
	uint16_t hdr_len;
	bool on_gtpu_port;
};

static const struct known_frame known[] = {
	{ "ndpi-gtp-prime.pcapng", 1, GTP_ERR_PT, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-false-positive.pcapng", 1, GTP_ERR_PT, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-false-positive.pcapng", 3, GTP_ERR_PT, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-false-positive.pcapng", 5, GTP_ERR_PT, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-false-positive.pcapng", 6, GTP_ERR_SHORT, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-false-positive.pcapng", 7, GTP_ERR_VERSION, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-c.pcap", 1, GTP_ERR_VERSION, 0, 0, 0, -1, 0, 0, false },
	{ "ndpi-gtp-c.pcap", 4, GTP_ERR_VERSION, 0, 0, 0, -1, 0, 0, false },
	{ "pcap4j-gtpv1-echo-response.pcap", 1, GTP_OK, GTP_MSG_ECHO_RSP, 0x499602d2, 0, -1,
	  0, 12, false },
	{ "pcap4j-gtpv1-ext-pdu-session-container.pcap", 1, GTP_OK, GTP_MSG_ECHO_RSP,
	  0x499602d2, 1, 15, 0, 20, false },
	{ "nfstream-gtp-u.pcap", 1, GTP_OK, GTP_MSG_GPDU, 1, 0, -1, 0, 12, true },
	{ "ndpi-ipv6-in-gtp.pcap", 1, GTP_OK, GTP_MSG_GPDU, 0x12808fb8, 0, -1, 0, 8, true },
	{ "open5gs-5g-roaming-hr.pcapng", 1708, GTP_OK, GTP_MSG_GPDU, 0xc0bb, 1, 1, 1, 16, true },
	{ "open5gs-5g-roaming-hr.pcapng", 1711, GTP_OK, GTP_MSG_GPDU, 0x3edb, 1, 1, 0, 16, true },
	{ "open5gs-5g-roaming-hr.pcapng", 1731, GTP_OK, GTP_MSG_GPDU, 1, 0, -1, 0, 8, true },
	{ "open5gs-5g-roaming-lbo.pcapng", 2470, GTP_OK, GTP_MSG_GPDU, 0xbe51, 1, 1, 1, 16, true },
};

static const struct {
	const char *file;
	unsigned int gpdus;
} known_counts[] = {
	{ "ndpi-gtp-c.pcap", 0 },
	{ "ndpi-gtp-false-positive.pcapng", 0 },
	{ "ndpi-gtp-prime.pcapng", 0 },
	{ "ndpi-ipv6-in-gtp.pcap", 2 },
	{ "nfstream-gtp-u.pcap", 102 },
	{ "open5gs-5g-roaming-hr.pcapng", 18 },
	{ "open5gs-5g-roaming-lbo.pcapng", 10 },
	{ "pcap4j-gtpv1-echo-response.pcap", 0 },
	{ "pcap4j-gtpv1-ext-pdu-session-container.pcap", 0 },
};

static void test_known_captures(void **state)
{
	(void)state;

	require_loaded();
	for (size_t i = 0; i < sizeof(known_counts) / sizeof(known_counts[0]); i++) {
		const struct capture *c = find_capture(known_counts[i].file);
		unsigned int gpdus = 0;

		if (c == NULL) {
			/* another directory may hold other captures */
			if (dir_is_default)
				fail_msg("%s missing from %s", known_counts[i].file,
					 DEFAULT_PCAP_DIR);
			continue;
		}
		for (unsigned int n = 1; n <= c->nframes; n++)
			gpdus += c->tsk[n].gpdu;
		if (gpdus != known_counts[i].gpdus)
			fail_msg("%s: %u G-PDUs, expected %u", c->name, gpdus,
				 known_counts[i].gpdus);
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct known_frame *k = &known[i];
		const struct capture *c = find_capture(k->file);

		if (c == NULL)
			continue; /* counted above */
		unsigned int n = k->frame;
		CHECK(n <= c->nframes, c, n, "no such frame");
		const struct our_frame *o = &c->ours[n];
		CHECK(o->udp, c, n, "not UDP");
		CHECK(is_gtpu_port(o) == k->on_gtpu_port, c, n, "ports %u -> %u", o->sport,
		      o->dport);
		CHECK(o->gerr == k->err, c, n, "%s, want %s", gtp_strerror(o->gerr),
		      gtp_strerror(k->err));
		if (k->err != GTP_OK)
			continue;
		CHECK(o->h.msg_type == k->msg_type, c, n, "type %u", o->h.msg_type);
		CHECK(o->h.teid == k->teid, c, n, "TEID %#x", o->h.teid);
		CHECK(o->h.ext_count == k->ext_count, c, n, "%u extension headers",
		      o->h.ext_count);
		CHECK(o->h.hdr_len == k->hdr_len, c, n, "hdr_len %u", o->h.hdr_len);
		CHECK(o->h.has_pdu_session == (k->qfi >= 0), c, n, "PDU Session Container");
		if (k->qfi >= 0) {
			CHECK(o->h.ext_types[0] == GTP_EXT_PDU_SESSION, c, n, "ext type %#x",
			      o->h.ext_types[0]);
			CHECK(o->h.qfi == k->qfi, c, n, "QFI %u", o->h.qfi);
			CHECK(o->h.pdu_type == k->pdu_type, c, n, "PDU type %u", o->h.pdu_type);
		}
	}
	/* nfstream: every frame a G-PDU with S set (flags 0x32), TEID 1 */
	const struct capture *c = find_capture("nfstream-gtp-u.pcap");
	for (unsigned int n = 1; c && n <= c->nframes; n++) {
		CHECK(c->ours[n].gerr == GTP_OK, c, n, "%s", gtp_strerror(c->ours[n].gerr));
		CHECK(c->ours[n].h.flags == 0x32, c, n, "flags %#x", c->ours[n].h.flags);
		CHECK(c->ours[n].h.teid == 1, c, n, "TEID");
		CHECK(c->ours[n].inner_ip.proto == PKT_PROTO_ICMP, c, n, "inner protocol");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_dir),
		cmocka_unit_test(test_gpdus_match_tshark),
		cmocka_unit_test(test_other_gtp_match_tshark),
		cmocka_unit_test(test_known_captures),
	};

	return cmocka_run_group_tests_name("gtp_pcaps", tests, setup, teardown);
}

