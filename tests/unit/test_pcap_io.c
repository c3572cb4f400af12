/* The replay's capture I/O: reader, writer and merger. Files are made in a
 * temporary directory (pcap by our writer, pcapng by hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcap_io.h"

static char tmpdir[] = "/tmp/test_pcap_io.XXXXXX";

/* Files to remove at the end. */
#define MAX_FILES 64
static char *made[MAX_FILES];
static unsigned int n_made;

static const char *tmpfile_path(const char *name)
{
	char *p;

	assert_true(n_made < MAX_FILES);
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	made[n_made++] = p;
	return p;
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < n_made; i++) {
		unlink(made[i]);
		free(made[i]);
	}
	rmdir(tmpdir);
	return 0;
}

/* A frame whose bytes say which frame it is. */
static void fill_frame(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i);
}

struct frame_spec {
	uint32_t caplen, wirelen;
	uint64_t ts_ns;
};

static void write_capture(const char *path, int dlt, bool nano, const struct frame_spec *fs,
			  unsigned int n)
{
	struct tof_pcap_writer w;
	uint8_t buf[2048];
	char err[256];

	assert_int_equal(tof_pcap_writer_open(&w, path, dlt, TOF_PCAP_SNAPLEN, nano, err,
					      sizeof(err)),
			 0);
	for (unsigned int i = 0; i < n; i++) {
		assert_true(fs[i].caplen <= sizeof(buf));
		fill_frame(buf, fs[i].caplen, i);
		tof_pcap_writer_write(&w, buf, fs[i].caplen, fs[i].wirelen, fs[i].ts_ns);
	}
	assert_int_equal(w.frames, n);
	assert_int_equal(tof_pcap_writer_close(&w, err, sizeof(err)), 0);
}

static const struct frame_spec three[] = {
	{ 60, 60, 1700000000000000000ull },
	{ 1514, 1514, 1700000000123456789ull },
	{ 40, 1500, 1700000001999999999ull }, /* captured short of the wire */
};

static void roundtrip(int dlt, enum pkt_l2_type want_l2)
{
	struct tof_pcap_reader r;
	struct tof_pcap_pkt pkt;
	char name[64], err[256];
	const char *path;
	uint8_t buf[2048];

	snprintf(name, sizeof(name), "rt-%d.pcap", dlt);
	path = tmpfile_path(name);
	write_capture(path, dlt, true, three, 3);

	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.dlt, dlt);
	assert_int_equal(r.l2, want_l2);
	assert_true(r.nano);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 1);
		assert_int_equal(pkt.caplen, three[i].caplen);
		assert_int_equal(pkt.wirelen, three[i].wirelen);
		assert_int_equal(pkt.ts_ns, three[i].ts_ns);
		fill_frame(buf, three[i].caplen, i);
		assert_memory_equal(pkt.data, buf, three[i].caplen);
	}
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 0);
	assert_int_equal(r.frames, 3);
	tof_pcap_reader_close(&r);
}

static void test_roundtrip_ethernet(void **state)
{
	(void)state;
	roundtrip(DLT_EN10MB, PKT_L2_ETH);
}

static void test_roundtrip_sll(void **state)
{
	(void)state;
	roundtrip(DLT_LINUX_SLL, PKT_L2_SLL);
}

static void test_roundtrip_sll2(void **state)
{
	(void)state;
	roundtrip(DLT_LINUX_SLL2, PKT_L2_SLL2);
}

static void test_roundtrip_raw(void **state)
{
	(void)state;
	roundtrip(DLT_RAW, PKT_L2_RAW);
	roundtrip(DLT_IPV4, PKT_L2_RAW);
	roundtrip(DLT_IPV6, PKT_L2_RAW);
}

static void test_dlt_map(void **state)
{
	enum pkt_l2_type l2;

	(void)state;
	assert_int_equal(tof_pcap_dlt_to_l2(DLT_EN10MB, &l2), 0);
	assert_int_equal(l2, PKT_L2_ETH);
	assert_int_equal(tof_pcap_dlt_to_l2(DLT_LINUX_SLL2, &l2), 0);
	assert_int_equal(l2, PKT_L2_SLL2);
	assert_int_equal(tof_pcap_dlt_to_l2(DLT_NULL, &l2), -1);
	assert_int_equal(tof_pcap_dlt_to_l2(DLT_IEEE802_11, &l2), -1);
}

/* A microsecond file: timestamps come back as whole microseconds. */
static void test_micro_precision(void **state)
{
	const char *path = tmpfile_path("micro.pcap");
	struct tof_pcap_reader r;
	struct tof_pcap_pkt pkt;
	char err[256];

	(void)state;
	write_capture(path, DLT_EN10MB, false, three, 3);
	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_false(r.nano);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 1);
		assert_int_equal(pkt.ts_ns, three[i].ts_ns / 1000 * 1000);
	}
	tof_pcap_reader_close(&r);
}

/* Nanoseconds survive a read and a write of the result. */
static void test_nano_preserved(void **state)
{
	const char *a = tmpfile_path("nano-a.pcap");
	const char *b = tmpfile_path("nano-b.pcap");
	struct tof_pcap_reader r;
	struct tof_pcap_writer w;
	struct tof_pcap_pkt pkt;
	char err[256];
	unsigned int n = 0;

	(void)state;
	write_capture(a, DLT_RAW, true, three, 3);
	assert_int_equal(tof_pcap_reader_open(&r, a, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_writer_open(&w, b, r.dlt, r.snaplen, r.nano, err, sizeof(err)),
			 0);
	while (tof_pcap_reader_next(&r, &pkt, err, sizeof(err)) == 1)
		tof_pcap_writer_write(&w, pkt.data, pkt.caplen, pkt.wirelen, pkt.ts_ns);
	tof_pcap_reader_close(&r);
	assert_int_equal(tof_pcap_writer_close(&w, err, sizeof(err)), 0);

	assert_int_equal(tof_pcap_reader_open(&r, b, err, sizeof(err)), 0);
	assert_true(r.nano);
	while (tof_pcap_reader_next(&r, &pkt, err, sizeof(err)) == 1) {
		assert_int_equal(pkt.ts_ns, three[n].ts_ns);
		assert_int_equal(pkt.wirelen, three[n].wirelen);
		n++;
	}
	assert_int_equal(n, 3);
	tof_pcap_reader_close(&r);
}

static void put32(uint8_t **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

static void put16(uint8_t **p, uint16_t v)
{
	memcpy(*p, &v, 2);
	*p += 2;
}

/* pcapng in host byte order: SHB, an IDB with if_tsresol 9 (nanoseconds)
 * and the given link type, one EPB of 5 octets. */
static void write_pcapng(const char *path, uint16_t linktype, uint64_t ts)
{
	uint8_t file[256], *p = file;
	FILE *fp;

	put32(&p, 0x0a0d0d0a); /* SHB */
	put32(&p, 28);
	put32(&p, 0x1a2b3c4d);
	put16(&p, 1);
	put16(&p, 0);
	put32(&p, 0xffffffff); /* section length -1 */
	put32(&p, 0xffffffff);
	put32(&p, 28);

	put32(&p, 1); /* IDB */
	put32(&p, 32);
	put16(&p, linktype);
	put16(&p, 0);
	put32(&p, 65535);
	put16(&p, 9); /* if_tsresol */
	put16(&p, 1);
	put32(&p, 9); /* value 9, then padding */
	put32(&p, 0); /* opt_endofopt */
	put32(&p, 32);

	put32(&p, 6); /* EPB */
	put32(&p, 40);
	put32(&p, 0);
	put32(&p, (uint32_t)(ts >> 32));
	put32(&p, (uint32_t)ts);
	put32(&p, 5);
	put32(&p, 5);
	memcpy(p, "\x45\x01\x02\x03\x04\x00\x00\x00", 8);
	p += 8;
	put32(&p, 40);

	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(file, 1, (size_t)(p - file), fp), (size_t)(p - file));
	assert_int_equal(fclose(fp), 0);
}

static void test_pcapng_nano(void **state)
{
	const char *path = tmpfile_path("nano.pcapng");
	uint64_t ts = 1700000000987654321ull;
	struct tof_pcap_reader r;
	struct tof_pcap_pkt pkt;
	char err[256];

	(void)state;
	write_pcapng(path, 276 /* LINKTYPE_LINUX_SLL2 */, ts);
	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.l2, PKT_L2_SLL2);
	assert_true(r.nano);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 1);
	assert_int_equal(pkt.ts_ns, ts);
	assert_int_equal(pkt.caplen, 5);
	assert_memory_equal(pkt.data, "\x45\x01\x02\x03\x04", 5);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 0);
	tof_pcap_reader_close(&r);
}

static void test_unsupported_linktype(void **state)
{
	const char *path = tmpfile_path("null.pcap");
	const char *ng = tmpfile_path("wifi.pcapng");
	struct tof_pcap_reader r;
	char err[256];

	(void)state;
	write_capture(path, DLT_NULL, false, three, 1);
	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "unsupported link type"));
	assert_non_null(strstr(err, "NULL"));
	assert_null(r.pcap);

	write_pcapng(ng, 105 /* LINKTYPE_IEEE802_11 */, 1);
	assert_int_equal(tof_pcap_reader_open(&r, ng, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ng));
	assert_non_null(strstr(err, "IEEE802_11"));
}

static void test_unreadable(void **state)
{
	const char *missing = tmpfile_path("missing.pcap");
	const char *junk = tmpfile_path("junk.pcap");
	struct tof_pcap_reader r;
	struct tof_pcap_writer w;
	char err[256];
	FILE *fp;

	(void)state;
	assert_int_equal(tof_pcap_reader_open(&r, missing, err, sizeof(err)), -1);
	assert_non_null(strstr(err, missing));

	fp = fopen(junk, "wb");
	assert_non_null(fp);
	fputs("this is not a capture file at all", fp);
	fclose(fp);
	assert_int_equal(tof_pcap_reader_open(&r, junk, err, sizeof(err)), -1);
	assert_non_null(strstr(err, junk));

	assert_int_equal(tof_pcap_writer_open(&w, "/nonexistent-dir/x.pcap", DLT_EN10MB,
					      TOF_PCAP_SNAPLEN, false, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
	/* closing a writer that never opened is harmless */
	assert_int_equal(tof_pcap_writer_close(&w, err, sizeof(err)), 0);
}

/* A capture cut in the middle of a frame: a read error naming the file. */
static void test_truncated_file(void **state)
{
	const char *path = tmpfile_path("cut.pcap");
	struct tof_pcap_reader r;
	struct tof_pcap_pkt pkt;
	char err[256];

	(void)state;
	write_capture(path, DLT_EN10MB, false, three, 2);
	assert_int_equal(truncate(path, 24 + 16 + 60 + 16 + 100), 0);
	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 1);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	tof_pcap_reader_close(&r);
}

static void test_empty_capture(void **state)
{
	const char *path = tmpfile_path("empty.pcap");
	struct tof_pcap_merger m;
	struct tof_pcap_reader r;
	struct tof_pcap_pkt pkt;
	char err[256];

	(void)state;
	write_capture(path, DLT_EN10MB, false, NULL, 0);
	assert_int_equal(tof_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_reader_next(&r, &pkt, err, sizeof(err)), 0);
	tof_pcap_reader_close(&r);

	tof_pcap_merger_init(&m);
	assert_int_equal(tof_pcap_merger_add(&m, path, TOF_PORT_ENB, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_merger_add(&m, path, TOF_PORT_SGW, err, sizeof(err)), 1);
	assert_int_equal(tof_pcap_merger_next(&m, &pkt, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_merger_next(&m, &pkt, err, sizeof(err)), 0);
	tof_pcap_merger_close(&m);

	/* merger with no inputs at all */
	tof_pcap_merger_init(&m);
	assert_int_equal(tof_pcap_merger_next(&m, &pkt, err, sizeof(err)), 0);
	tof_pcap_merger_close(&m);
}

/* Frames come out by time; ties by input order, then file order; an input
 * whose time goes backwards keeps its own order. */
static void test_merge_order(void **state)
{
	static const struct frame_spec a[] = {
		{ 10, 10, 1000 }, { 11, 11, 3000 }, { 12, 12, 3000 }, { 13, 13, 9000 },
		{ 14, 14, 2000 }, /* backwards */
	};
	static const struct frame_spec b[] = { { 20, 20, 2000 }, { 21, 21, 3000 } };
	static const struct frame_spec c[] = { { 30, 30, 500 }, { 31, 31, 3000 } };
	static const struct {
		unsigned int input;
		uint32_t caplen;
		enum tof_port port;
	} want[] = {
		{ 2, 30, TOF_PORT_APPS }, { 0, 10, TOF_PORT_ENB }, { 1, 20, TOF_PORT_SGW },
		{ 0, 11, TOF_PORT_ENB },  { 0, 12, TOF_PORT_ENB }, { 1, 21, TOF_PORT_SGW },
		{ 2, 31, TOF_PORT_APPS }, { 0, 13, TOF_PORT_ENB }, { 0, 14, TOF_PORT_ENB },
	};
	const char *pa = tmpfile_path("merge-a.pcap");
	const char *pb = tmpfile_path("merge-b.pcap");
	const char *pc = tmpfile_path("merge-c.pcap");
	const char *pe = tmpfile_path("merge-empty.pcap");
	struct tof_pcap_merger m;
	struct tof_pcap_pkt pkt;
	char err[256];
	uint8_t buf[64];

	(void)state;
	write_capture(pa, DLT_EN10MB, true, a, 5);
	write_capture(pb, DLT_EN10MB, true, b, 2);
	write_capture(pc, DLT_EN10MB, true, c, 2);
	write_capture(pe, DLT_EN10MB, true, NULL, 0);

	tof_pcap_merger_init(&m);
	assert_int_equal(tof_pcap_merger_add(&m, pa, TOF_PORT_ENB, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_merger_add(&m, pb, TOF_PORT_SGW, err, sizeof(err)), 1);
	assert_int_equal(tof_pcap_merger_add(&m, pc, TOF_PORT_APPS, err, sizeof(err)), 2);
	assert_int_equal(tof_pcap_merger_add(&m, pe, TOF_PORT_S1, err, sizeof(err)), 3);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(tof_pcap_merger_next(&m, &pkt, err, sizeof(err)), 1);
		assert_int_equal(pkt.input, want[i].input);
		assert_int_equal(pkt.caplen, want[i].caplen);
		assert_int_equal(pkt.port, want[i].port);
		/* the data is still the frame's until the next call */
		fill_frame(buf, pkt.caplen, pkt.caplen % 10);
		assert_memory_equal(pkt.data, buf, pkt.caplen);
	}
	assert_int_equal(tof_pcap_merger_next(&m, &pkt, err, sizeof(err)), 0);
	tof_pcap_merger_close(&m);
}

static void test_merge_bad_input(void **state)
{
	const char *ok = tmpfile_path("merge-ok.pcap");
	struct tof_pcap_merger m;
	char err[256];

	(void)state;
	write_capture(ok, DLT_EN10MB, false, three, 1);
	tof_pcap_merger_init(&m);
	assert_int_equal(tof_pcap_merger_add(&m, ok, TOF_PORT_ENB, err, sizeof(err)), 0);
	assert_int_equal(tof_pcap_merger_add(&m, "/nonexistent.pcap", TOF_PORT_SGW, err,
					     sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent.pcap"));
	tof_pcap_merger_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_ethernet),
		cmocka_unit_test(test_roundtrip_sll),
		cmocka_unit_test(test_roundtrip_sll2),
		cmocka_unit_test(test_roundtrip_raw),
		cmocka_unit_test(test_dlt_map),
		cmocka_unit_test(test_micro_precision),
		cmocka_unit_test(test_nano_preserved),
		cmocka_unit_test(test_pcapng_nano),
		cmocka_unit_test(test_unsupported_linktype),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_empty_capture),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_merge_bad_input),
	};

	return cmocka_run_group_tests_name("pcap_io", tests, group_setup, group_teardown);
}
