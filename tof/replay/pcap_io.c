/* Capture files for the replay: libpcap readers (pcap and pcapng, always
 * asked for nanosecond timestamps), pcap writers, and the timestamp merger. */
#include "pcap_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NS_PER_SEC 1000000000ull

/* Magic numbers at the start of the files, as read in host order. */
#define PCAP_MAGIC_MICRO 0xa1b2c3d4u
#define PCAP_MAGIC_NANO 0xa1b23c4du
#define PCAPNG_MAGIC 0x0a0d0d0au

int tof_pcap_dlt_to_l2(int dlt, enum pkt_l2_type *l2)
{
	switch (dlt) {
	case DLT_EN10MB:
		*l2 = PKT_L2_ETH;
		return 0;
	case DLT_LINUX_SLL:
		*l2 = PKT_L2_SLL;
		return 0;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		*l2 = PKT_L2_SLL2;
		return 0;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
#ifdef DLT_IPV6
	case DLT_IPV6:
#endif
		*l2 = PKT_L2_RAW;
		return 0;
	default:
		return -1;
	}
}

const char *tof_pcap_dlt_name(int dlt, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name && desc)
		snprintf(buf, len, "%s (%s, %d)", name, desc, dlt);
	else if (name)
		snprintf(buf, len, "%s (%d)", name, dlt);
	else
		snprintf(buf, len, "%d", dlt);
	return buf;
}

/* libpcap's messages often start with the file name already; do not say it
 * twice. */
static const char *strip_path(const char *msg, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* Whether the file may hold timestamps finer than a microsecond: a pcap
 * with the nanosecond magic, or any pcapng (its resolution is per
 * interface; nanoseconds never lose anything). A pipe cannot be read twice,
 * so it counts as nanoseconds too. */
static bool file_is_nano(const char *path)
{
	uint32_t magic = 0;
	bool nano = false;
	struct stat st;
	FILE *fp;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return true;
	fp = fopen(path, "rb");
	if (!fp)
		return true;
	if (fread(&magic, sizeof(magic), 1, fp) == 1)
		nano = magic == PCAP_MAGIC_NANO || magic == __builtin_bswap32(PCAP_MAGIC_NANO) ||
		       magic == PCAPNG_MAGIC;
	fclose(fp);
	return nano;
}

int tof_pcap_reader_open(struct tof_pcap_reader *r, const char *path, char *err,
			 size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	char dname[128];
	int snap;

	memset(r, 0, sizeof(*r));
	r->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							  ebuf);
	if (!r->pcap) {
		snprintf(err, errlen, "%s: %s", path, strip_path(ebuf, path));
		return -1;
	}
	r->dlt = pcap_datalink(r->pcap);
	if (tof_pcap_dlt_to_l2(r->dlt, &r->l2) < 0) {
		snprintf(err, errlen,
			 "%s: unsupported link type %s (supported: Ethernet, Linux cooked "
			 "SLL and SLL2, raw IP)",
			 path, tof_pcap_dlt_name(r->dlt, dname, sizeof(dname)));
		pcap_close(r->pcap);
		r->pcap = NULL;
		return -1;
	}
	r->path = strdup(path);
	if (!r->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		pcap_close(r->pcap);
		r->pcap = NULL;
		return -1;
	}
	snap = pcap_snapshot(r->pcap);
	r->snaplen = snap > 0 ? (uint32_t)snap : TOF_PCAP_SNAPLEN;
	r->nano = file_is_nano(path);
	return 0;
}

/* Seconds + nanoseconds from libpcap (asked for nanosecond precision, so
 * tv_usec holds nanoseconds) to one count; times before the epoch clamp to
 * 0, times past 2554 saturate. */
static uint64_t ts_to_ns(const struct timeval *tv)
{
	uint64_t sec, nsec;

	if (tv->tv_sec < 0)
		return 0;
	sec = (uint64_t)tv->tv_sec;
	nsec = tv->tv_usec > 0 ? (uint64_t)tv->tv_usec : 0;
	if (sec > (UINT64_MAX - nsec) / NS_PER_SEC)
		return UINT64_MAX;
	return sec * NS_PER_SEC + nsec;
}

int tof_pcap_reader_next(struct tof_pcap_reader *r, struct tof_pcap_pkt *pkt, char *err,
			 size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	if (!r->pcap)
		return 0;
	rc = pcap_next_ex(r->pcap, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(err, errlen, "%s: frame %llu: %s", r->path,
			 (unsigned long long)r->frames + 1, pcap_geterr(r->pcap));
		return -1;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = data;
	pkt->caplen = hdr->caplen;
	pkt->wirelen = hdr->len;
	pkt->ts_ns = ts_to_ns(&hdr->ts);
	r->frames++;
	return 1;
}

void tof_pcap_reader_close(struct tof_pcap_reader *r)
{
	if (r->pcap)
		pcap_close(r->pcap);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

int tof_pcap_writer_open(struct tof_pcap_writer *w, const char *path, int dlt,
			 uint32_t snaplen, bool nano, char *err, size_t errlen)
{
	u_int prec = nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO;

	memset(w, 0, sizeof(*w));
	w->dlt = dlt;
	w->nano = nano;
	w->path = strdup(path);
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen, prec);
	if (!w->path || !w->dead) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	w->dumper = pcap_dump_open(w->dead, path);
	if (!w->dumper) {
		snprintf(err, errlen, "%s: %s", path, strip_path(pcap_geterr(w->dead), path));
		goto fail;
	}
	return 0;
fail:
	if (w->dead)
		pcap_close(w->dead);
	free(w->path);
	memset(w, 0, sizeof(*w));
	return -1;
}

void tof_pcap_writer_write(struct tof_pcap_writer *w, const uint8_t *data, uint32_t caplen,
			   uint32_t wirelen, uint64_t ts_ns)
{
	struct pcap_pkthdr hdr;
	uint64_t frac = ts_ns % NS_PER_SEC;

	if (!w->dumper)
		return;
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)(ts_ns / NS_PER_SEC);
	hdr.ts.tv_usec = (suseconds_t)(w->nano ? frac : frac / 1000);
	hdr.caplen = caplen;
	hdr.len = wirelen < caplen ? caplen : wirelen;
	pcap_dump((u_char *)w->dumper, &hdr, data);
	w->frames++;
	w->bytes += caplen;
}

int tof_pcap_writer_close(struct tof_pcap_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (w->dumper) {
		FILE *fp = pcap_dump_file(w->dumper);

		if (pcap_dump_flush(w->dumper) < 0 || ferror(fp)) {
			snprintf(err, errlen, "%s: write failed: %s", w->path, strerror(errno));
			rc = -1;
		}
		pcap_dump_close(w->dumper);
	}
	if (w->dead)
		pcap_close(w->dead);
	free(w->path);
	memset(w, 0, sizeof(*w));
	return rc;
}

void tof_pcap_merger_init(struct tof_pcap_merger *m)
{
	memset(m, 0, sizeof(*m));
	m->last = -1;
}

/* Read the input's next frame into its pending slot. */
static int input_fill(struct tof_pcap_input *in, unsigned int idx, char *err, size_t errlen)
{
	int rc = tof_pcap_reader_next(&in->rd, &in->pkt, err, errlen);

	in->pending = rc == 1;
	if (rc == 1) {
		in->pkt.port = in->port;
		in->pkt.input = idx;
	}
	return rc;
}

int tof_pcap_merger_add(struct tof_pcap_merger *m, const char *path, enum tof_port port,
			char *err, size_t errlen)
{
	struct tof_pcap_input *in;
	unsigned int idx = m->n_in;

	if (idx >= TOF_PCAP_MAX_INPUTS) {
		snprintf(err, errlen, "%s: too many inputs (at most %d)", path,
			 TOF_PCAP_MAX_INPUTS);
		return -1;
	}
	in = &m->in[idx];
	if (tof_pcap_reader_open(&in->rd, path, err, errlen) < 0)
		return -1;
	in->port = port;
	m->n_in++;
	if (input_fill(in, idx, err, errlen) < 0)
		return -1;
	return (int)idx;
}

int tof_pcap_merger_next(struct tof_pcap_merger *m, struct tof_pcap_pkt *pkt, char *err,
			 size_t errlen)
{
	int best = -1;

	/* The frame handed out last is no longer needed: read on. */
	if (m->last >= 0) {
		int i = m->last;

		m->last = -1;
		if (input_fill(&m->in[i], (unsigned int)i, err, errlen) < 0)
			return -1;
	}
	for (unsigned int i = 0; i < m->n_in; i++) {
		if (!m->in[i].pending)
			continue;
		/* strict <: on a tie the earlier input wins */
		if (best < 0 || m->in[i].pkt.ts_ns < m->in[best].pkt.ts_ns)
			best = (int)i;
	}
	if (best < 0)
		return 0;
	*pkt = m->in[best].pkt;
	m->in[best].pending = false;
	m->last = best;
	return 1;
}

void tof_pcap_merger_close(struct tof_pcap_merger *m)
{
	for (unsigned int i = 0; i < m->n_in; i++)
		tof_pcap_reader_close(&m->in[i].rd);
	tof_pcap_merger_init(m);
}
