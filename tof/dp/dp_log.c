/* DPDK's own log lines (EAL, drivers) through tofd's log, so they too are
 * one line per event and JSON when the config says so. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <rte_log.h>

#include "dp_internal.h"
#include "log.h"

/* DPDK writes a message in pieces; a line is logged once it is whole.
 * Any lcore may log, so the partial line is under a lock. */
static pthread_mutex_t dp_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char dp_log_line[1024];
static size_t dp_log_len;

static enum tof_log_level dp_log_level(void)
{
	int l = rte_log_cur_msg_loglevel();

	if (l <= (int)RTE_LOG_ERR)
		return TOF_LOG_ERROR;
	if (l == (int)RTE_LOG_WARNING)
		return TOF_LOG_WARNING;
	return l >= (int)RTE_LOG_DEBUG ? TOF_LOG_DEBUG : TOF_LOG_INFO;
}

static void dp_log_flush(void)
{
	if (dp_log_len == 0)
		return;
	dp_log_line[dp_log_len] = '\0';
	tof_log(dp_log_level(), "dpdk", TOF_NO_FIELDS, "%s", dp_log_line);
	dp_log_len = 0;
}

static ssize_t dp_log_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	pthread_mutex_lock(&dp_log_lock);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			dp_log_flush();
			continue;
		}
		if (dp_log_len + 1 >= sizeof(dp_log_line))
			dp_log_flush();
		dp_log_line[dp_log_len++] = buf[i];
	}
	pthread_mutex_unlock(&dp_log_lock);
	return (ssize_t)len;
}

void tof_dp_log_init(void)
{
	static const cookie_io_functions_t fns = { .write = dp_log_write };
	static FILE *stream;

	if (!stream) {
		stream = fopencookie(NULL, "w", fns);
		if (stream) {
			setvbuf(stream, NULL, _IONBF, 0);
			rte_openlog_stream(stream);
		}
	}
}
