/* State of one replay run, shared by the loop (replay.c) and the reports
 * (replay_report.c). Not part of the replay's interface. */
#ifndef TOF_REPLAY_INT_H
#define TOF_REPLAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "pcap_io.h"
#include "replay.h"
#include "tof_pipeline.h"
#include "tof_tables.h"

/* Room in front of a frame for the pipeline to encapsulate in place, with
 * margin. */
#define TOF_REPLAY_HEADROOM (TOF_ENCAP_HEADROOM + 64)

/* A copy of a punted frame, waiting for the agent until the pipeline has
 * finished with the frame that caused it. */
struct tof_replay_punt {
	uint8_t *data;
	size_t len, cap;
	enum tof_port in;
	enum tof_reason why;
	uint64_t now_ns;
};

struct tof_replay_punt_queue {
	struct tof_replay_punt *ent;
	unsigned int n, cap;
	uint64_t lost; /* copies we could not allocate room for */
};

struct tof_replay {
	const struct tof_replay_opts *o;
	const struct tof_config *cfg;
	bool dual;
	int s1_dlt;                      /* link type of the S1 side's captures */

	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_worker w;
	struct tof_agent a;
	bool worker_ok, agent_ok;

	struct tof_pcap_merger m;
	struct tof_pcap_writer out[TOF_PORT__COUNT];
	bool has_out[TOF_PORT__COUNT];   /* the mode writes this port */
	uint64_t emitted[TOF_PORT__COUNT]; /* frames the agent originated */
	uint64_t tx_frames[TOF_PORT__COUNT], tx_bytes[TOF_PORT__COUNT]; /* written */
	uint64_t unroutable;             /* frames for a port the mode lacks */
	uint64_t frames_in;
	uint64_t first_ns, last_ns;      /* capture time span of the inputs */

	uint8_t *buf;                    /* frame buffer with headroom */
	size_t buf_cap;
	/* --burst: frames of one port waiting to run together */
	struct tof_replay_held {
		uint8_t *buf;
		size_t cap;
		uint32_t caplen, wirelen;
		uint64_t ts_ns;
	} held[TOF_BURST_MAX];
	unsigned int n_held;
	enum tof_port held_port;
	struct tof_replay_punt_queue punts;
	uint64_t clock_ns;               /* replay time: never goes back */
	uint64_t stuck_ticks;            /* agent ticks that did not move on */
};

/* Name of a port in file names and JSON keys: "enb", "sgw", "s1", "apps". */
const char *tof_replay_port_key(enum tof_port p);

/* Reports (replay_report.c). Each returns 0, or -1 with err set. */
int tof_replay_write_tunnels(const struct tof_replay *r, const char *path, char *err,
			     size_t errlen);
int tof_replay_write_stats(const struct tof_replay *r, const char *path, char *err,
			   size_t errlen);
void tof_replay_print_summary(const struct tof_replay *r, FILE *fp);

#endif
