/* A whole appliance in memory for unit tests: config from JSON, tables,
 * pipeline, one worker, the agent; punts and injected frames recorded. */
#ifndef TESTS_TFIX_H
#define TESTS_TFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "tframe.h"
#include "tof_config.h"
#include "tof_pipeline.h"

#define TFIX_MAX_REC 16

struct tfix_rec {
	enum tof_port port;
	enum tof_reason why;
	uint64_t when_ns;
	size_t len;
	uint8_t frame[2048];
};

struct tfix {
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_worker w;
	struct tof_agent a;
	bool agent_learns;          /* feed punts to the agent after each frame */
	bool refuse_punts;          /* the agent's queue is full */
	int n_punts, n_emitted, n_emitted_apps;
	struct tfix_rec punts[TFIX_MAX_REC];
	struct tfix_rec emitted[TFIX_MAX_REC];      /* towards S1 (pinger probes,
						     * handed-over frames) */
	struct tfix_rec emitted_apps[TFIX_MAX_REC]; /* out the apps port (ARP, ND) */
	int n_pending;              /* punts of the frame being processed */
	struct tfix_rec pending[4];
};

/* NULL on a config error (printed). */
struct tfix *tfix_new(const char *json, uint32_t max_sessions);
void tfix_free(struct tfix *x);

/* Process a frame at now_ns; with agent_learns, hand the punts to the agent
 * afterwards and run its timers up to now_ns first. */
void tfix_run(struct tfix *x, struct tframe *tf, enum tof_port in, uint64_t now_ns,
	      struct tof_result *r);
/* The SGW's answer to a probe the agent emitted (Ethernet + outer IPv4 +
 * UDP + GTP-U + ICMP echo request): the downlink G-PDU with the echo reply,
 * in downlink TEID teid, outer addresses swapped. */
void tfix_answer_probe(const struct tfix_rec *probe, uint32_t teid, struct tframe *tf);
/* An Error Indication from src to dst (its peer address IE gsn) naming
 * teid, through the pipeline (and the agent); it must pass. */
void tfix_error_ind(struct tfix *x, const char *src, const char *dst, uint32_t teid,
		    const char *gsn, enum tof_port in, uint64_t now_ns);
/* Run the agent's timers up to now_ns. */
void tfix_tick(struct tfix *x, uint64_t now_ns);

#endif
