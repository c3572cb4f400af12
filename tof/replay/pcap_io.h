/* Capture files for the replay: readers for pcap and pcapng (libpcap),
 * writers for pcap, and a merger that yields the frames of several inputs
 * in timestamp order. Timestamps are nanoseconds since the epoch. */
#ifndef TOF_REPLAY_PCAP_IO_H
#define TOF_REPLAY_PCAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "pkt.h"
#include "tof_types.h"

/* Snap length of the captures we write (larger if an input's is). */
#define TOF_PCAP_SNAPLEN 65535

/* One frame of a capture. data belongs to the reader and stays valid until
 * the reader (or merger) is asked for the next frame. */
struct tof_pcap_pkt {
	const uint8_t *data;
	uint32_t caplen;   /* octets at data */
	uint32_t wirelen;  /* octets on the wire (>= caplen unless the file lies) */
	uint64_t ts_ns;
	enum tof_port port; /* merger: the port of the input it came from */
	unsigned int input; /* merger: index of that input */
};

/* An open input capture. */
struct tof_pcap_reader {
	pcap_t *pcap;
	char *path;
	int dlt;               /* libpcap's DLT_* of the file */
	enum pkt_l2_type l2;   /* what the pipeline makes of it */
	uint32_t snaplen;
	bool nano;             /* the file may hold sub-microsecond timestamps */
	uint64_t frames;       /* frames read so far */
};

/* Map a libpcap DLT_* to the pipeline's link type: 0, or -1 if the pipeline
 * does not handle it. */
int tof_pcap_dlt_to_l2(int dlt, enum pkt_l2_type *l2);

/* Human name of a DLT_* for messages ("EN10MB (Ethernet)", or the number). */
const char *tof_pcap_dlt_name(int dlt, char *buf, size_t len);

/* Open a pcap or pcapng file. Returns 0, or -1 with a message naming the
 * file in err (unreadable, not a capture, or an unsupported link type). */
int tof_pcap_reader_open(struct tof_pcap_reader *r, const char *path, char *err,
			 size_t errlen);

/* Next frame: 1 and *pkt filled, 0 at the end of the file, -1 on a read
 * error (message in err). */
int tof_pcap_reader_next(struct tof_pcap_reader *r, struct tof_pcap_pkt *pkt, char *err,
			 size_t errlen);

void tof_pcap_reader_close(struct tof_pcap_reader *r);

/* An output capture (classic pcap format). */
struct tof_pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	char *path;
	int dlt;
	bool nano;             /* nanosecond timestamps in the file */
	uint64_t frames, bytes;
};

/* Create (truncate) path as a pcap of link type dlt. Returns 0, or -1 with
 * a message in err. */
int tof_pcap_writer_open(struct tof_pcap_writer *w, const char *path, int dlt,
			 uint32_t snaplen, bool nano, char *err, size_t errlen);

/* Append one frame. wirelen below caplen is raised to caplen. */
void tof_pcap_writer_write(struct tof_pcap_writer *w, const uint8_t *data, uint32_t caplen,
			   uint32_t wirelen, uint64_t ts_ns);

/* Flush and close. Returns 0, or -1 if any write failed (message in err).
 * Safe on a writer that failed to open or was closed already. */
int tof_pcap_writer_close(struct tof_pcap_writer *w, char *err, size_t errlen);

/* Several inputs, each arriving on a port, read as one stream in timestamp
 * order. Ties go to the input added first; within one input, file order is
 * kept even if its timestamps go backwards. */
#define TOF_PCAP_MAX_INPUTS 8

struct tof_pcap_input {
	struct tof_pcap_reader rd;
	enum tof_port port;
	bool pending;            /* pkt holds the input's next frame */
	struct tof_pcap_pkt pkt;
};

struct tof_pcap_merger {
	struct tof_pcap_input in[TOF_PCAP_MAX_INPUTS];
	unsigned int n_in;
	int last;                /* input yielded last: read on at the next call */
};

void tof_pcap_merger_init(struct tof_pcap_merger *m);

/* Open path as the next input, arriving on port. Returns the input's index,
 * or -1 with a message in err. */
int tof_pcap_merger_add(struct tof_pcap_merger *m, const char *path, enum tof_port port,
			char *err, size_t errlen);

/* The earliest pending frame: 1 and *pkt, 0 when every input is done, -1
 * on a read error (message in err). */
int tof_pcap_merger_next(struct tof_pcap_merger *m, struct tof_pcap_pkt *pkt, char *err,
			 size_t errlen);

void tof_pcap_merger_close(struct tof_pcap_merger *m);

#endif
