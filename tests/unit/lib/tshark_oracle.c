/* tshark as a test oracle: two runs per capture, read as tab-separated
 * fields. See tshark_oracle.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tshark_oracle.h"

struct oracle_run {
	unsigned int nframes;
	struct tsk_frame *frames;
	char *err;
	size_t err_len;
};

/* Every UDP frame, fully dissected: what the layers are and hold. */
#define ALL_FIELDS 17
static const char all_args[] =
	"-Y udp -T fields -E separator=/t -E occurrence=a -E aggregator=, "
	"-e frame.number -e frame.protocols -e gtp.flags -e gtp.message -e gtp.teid "
	"-e gtp.seq_number -e gtp.ext_hdr.pdu_ses_con.pdu_type "
	"-e gtp.ext_hdr.pdu_ses_con.qos_flow_id -e _ws.malformed "
	"-e ip.src -e ip.dst -e ip.proto -e ip.len "
	"-e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.plen";

/* G-PDUs only, with the T-PDU left as bytes (gtp.tpdu_data). */
#define RAW_FIELDS 3
static const char raw_args[] =
	"-o gtp.dissect_tpdu_as:None -Y 'gtp.message == 0xff' -T fields -E separator=/t "
	"-E occurrence=f -e frame.number -e gtp.teid -e gtp.tpdu_data";

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* tshark prints bytes as hex, with or without colons. */
static uint8_t *hex_decode(const char *s, size_t *len)
{
	uint8_t *b = malloc(strlen(s) / 2 + 1);
	size_t n = 0;

	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		int hi = hex_nibble(s[0]), lo = hi < 0 ? -1 : hex_nibble(s[1]);
		if (hi < 0 || lo < 0) {
			free(b);
			return NULL;
		}
		b[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return b;
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 0);
}

static char *dup_or_null(const char *s)
{
	return *s ? strdup(s) : NULL;
}

/* Split a tab-separated line into exactly n fields (in place). */
static bool split_tabs(char *line, char **f, unsigned int n)
{
	unsigned int i = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (i < n) {
		f[i++] = strsep(&p, "\t");
		if (p == NULL)
			break;
	}
	return i == n && p == NULL;
}

static struct tsk_frame *frame_of(struct oracle_run *r, const char *field, const char *what)
{
	unsigned long n = num(field);

	if (n == 0 || n > r->nframes) {
		snprintf(r->err, r->err_len, "tshark %s: frame %lu out of range", what, n);
		return NULL;
	}
	return &r->frames[n];
}

static int on_all_line(struct oracle_run *r, char *line)
{
	char *f[ALL_FIELDS];
	struct tsk_frame *t;

	if (!split_tabs(line, f, ALL_FIELDS)) {
		snprintf(r->err, r->err_len, "tshark: bad line '%.80s'", line);
		return -1;
	}
	t = frame_of(r, f[0], "");
	if (t == NULL)
		return -1;
	if (t->seen) {
		snprintf(r->err, r->err_len, "tshark: frame %s twice", f[0]);
		return -1;
	}
	t->seen = true;
	t->protos = strdup(f[1]);
	/* A nested GTP would list several values; the first is the outer. */
	if (*f[2]) {
		t->has_flags = true;
		t->flags = (unsigned int)num(f[2]);
		t->msg = (unsigned int)num(f[3]);
		t->teid = (uint32_t)num(f[4]);
	}
	if (*f[5]) {
		t->has_seq = true;
		t->seq = (unsigned int)num(f[5]);
	}
	if (*f[6]) {
		t->has_pdu = true;
		t->pdu_type = (unsigned int)num(f[6]);
		t->qfi = (unsigned int)num(f[7]);
	}
	t->malformed = *f[8] != '\0';
	t->ip_src = dup_or_null(f[9]);
	t->ip_dst = dup_or_null(f[10]);
	t->ip_proto = dup_or_null(f[11]);
	t->ip_len = dup_or_null(f[12]);
	t->ip6_src = dup_or_null(f[13]);
	t->ip6_dst = dup_or_null(f[14]);
	t->ip6_nxt = dup_or_null(f[15]);
	t->ip6_plen = dup_or_null(f[16]);
	return 0;
}

static int on_raw_line(struct oracle_run *r, char *line)
{
	char *f[RAW_FIELDS];
	struct tsk_frame *t;

	if (!split_tabs(line, f, RAW_FIELDS)) {
		snprintf(r->err, r->err_len, "tshark raw: bad line '%.80s'", line);
		return -1;
	}
	t = frame_of(r, f[0], "raw");
	if (t == NULL)
		return -1;
	if (t->gpdu) {
		snprintf(r->err, r->err_len, "tshark raw: frame %s twice", f[0]);
		return -1;
	}
	t->gpdu = true;
	t->raw_teid = (uint32_t)num(f[1]);
	t->tpdu = hex_decode(f[2], &t->tpdu_len);
	if (t->tpdu == NULL) {
		snprintf(r->err, r->err_len, "tshark raw: frame %s: bad hex", f[0]);
		return -1;
	}
	return 0;
}

static int run_tshark(struct oracle_run *r, const char *path, const char *args,
		      int (*on_line)(struct oracle_run *, char *))
{
	char cmd[8192];
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, st;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "tshark -r '%.4000s' -n %s 2>/dev/null", path, args);
	fp = popen(cmd, "r");
	if (fp == NULL) {
		snprintf(r->err, r->err_len, "popen tshark: %s", strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		if (rc == 0 && on_line(r, line) != 0)
			rc = -1; /* keep reading: tshark must not die of SIGPIPE */
	}
	free(line);
	st = pclose(fp);
	if (st != 0 && rc == 0) {
		snprintf(r->err, r->err_len, "tshark failed (status %d): %.400s", st, cmd);
		rc = -1;
	}
	return rc;
}

int tshark_oracle_load(const char *path, unsigned int nframes, struct tsk_frame *frames,
		       char *err, size_t err_len)
{
	struct oracle_run r = { nframes, frames, err, err_len };

	if (strchr(path, '\'') != NULL) {
		snprintf(err, err_len, "quote in path %s", path);
		return -1;
	}
	if (run_tshark(&r, path, all_args, on_all_line) != 0)
		return -1;
	return run_tshark(&r, path, raw_args, on_raw_line);
}

void tshark_oracle_free(struct tsk_frame *frames, unsigned int nframes)
{
	for (unsigned int i = 0; frames && i <= nframes; i++) {
		struct tsk_frame *t = &frames[i];

		free(t->protos);
		free(t->ip_src);
		free(t->ip_dst);
		free(t->ip_proto);
		free(t->ip_len);
		free(t->ip6_src);
		free(t->ip6_dst);
		free(t->ip6_nxt);
		free(t->ip6_plen);
		free(t->tpdu);
	}
}

bool tshark_protos_has(const char *protos, const char *name)
{
	size_t n = strlen(name);
	const char *p = protos;

	if (protos == NULL)
		return false;
	while ((p = strstr(p, name)) != NULL) {
		bool start = p == protos || p[-1] == ':';
		bool end = p[n] == '\0' || p[n] == ':';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

bool tshark_list_nth(const char *list, unsigned int k, char *out, size_t room)
{
	const char *p = list, *q;
	size_t n;

	if (list == NULL)
		return false;
	for (unsigned int i = 0; i < k; i++) {
		p = strchr(p, ',');
		if (p == NULL)
			return false;
		p++;
	}
	q = strchr(p, ',');
	n = q ? (size_t)(q - p) : strlen(p);
	if (n == 0 || n >= room)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}
