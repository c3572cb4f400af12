/* Slow clients must not hold the API. libmicrohttpd's own timeout is an
 * idle timeout: a client that sends one byte now and then (slowloris), or
 * reads its answer that way, never reaches it. So every connection has a
 * deadline: its next request must have arrived whole within the request
 * timeout (of the accept, or of the end of the previous exchange on a
 * kept-alive connection), and its answer must be gone within the timeout
 * of the request's arrival. A reaper thread shuts down the sockets of
 * connections past their deadline; libmicrohttpd then sees them end and
 * closes them as any other. With the per-client connection limit, one
 * client holds at most that many slots, and only for that long.
 *
 * The socket is shut down, never closed, here: libmicrohttpd closes it, and
 * only after it told us the connection is gone (MHD_CONNECTION_NOTIFY_CLOSED,
 * which takes our lock), so the descriptor is still this connection's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api_int.h"

/* How often the reaper looks, at most (it looks sooner for short timeouts). */
#define API_GUARD_TICK_MS 200

struct api_conn {
	struct api_conn *prev, *next;
	int fd;
	uint64_t deadline_ms;
	bool cut;
};

struct api_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct api_conn head;  /* list sentinel */
	uint64_t timeout_ms;
	bool stop;
	bool running;
	pthread_t thread;
	uint64_t cut;          /* connections cut at their deadline */
	uint32_t open;         /* connections now */
};

static uint64_t api_guard_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *api_guard_main(void *arg)
{
	struct api_guard *g = arg;
	uint64_t tick = g->timeout_ms / 4 < API_GUARD_TICK_MS ? g->timeout_ms / 4 :
								 API_GUARD_TICK_MS;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		uint64_t now = api_guard_now_ms(), wake_ms = now + (tick ? tick : 1);
		struct timespec ts;

		for (struct api_conn *c = g->head.next; c != &g->head; c = c->next) {
			if (c->cut || c->deadline_ms > now)
				continue;
			/* libmicrohttpd reads end-of-stream and closes it */
			shutdown(c->fd, SHUT_RDWR);
			c->cut = true;
			g->cut++;
		}
		ts.tv_sec = (time_t)(wake_ms / 1000);
		ts.tv_nsec = (long)(wake_ms % 1000) * 1000000L;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int api_guard_start(struct tof_api *api, uint32_t timeout_s, char *err, size_t errlen)
{
	struct api_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;
	int rc;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	g->head.next = g->head.prev = &g->head;
	g->timeout_ms = (uint64_t)timeout_s * 1000;
	api->guard = g;
	rc = pthread_create(&g->thread, NULL, api_guard_main, g);
	if (rc != 0) {
		snprintf(err, errlen, "api: cannot start a thread: %s", strerror(rc));
		return -1;
	}
	pthread_setname_np(g->thread, "tof-api-guard");
	g->running = true;
	return 0;
}

void api_guard_stop(struct tof_api *api)
{
	struct api_guard *g = api->guard;

	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	/* the daemon is stopped: every connection was closed and told */
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
	api->guard = NULL;
}

void api_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct tof_api *api = cls;
	struct api_guard *g = api->guard;
	struct api_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fdi =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c || !fdi) {
			free(c);
			return; /* not guarded: no memory to keep it by */
		}
		c->fd = fdi->connect_fd;
		pthread_mutex_lock(&g->lock);
		c->deadline_ms = api_guard_now_ms() + g->timeout_ms;
		c->next = g->head.next;
		c->prev = &g->head;
		g->head.next->prev = c;
		g->head.next = c;
		g->open++;
		pthread_mutex_unlock(&g->lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	g->open--;
	pthread_mutex_unlock(&g->lock);
	free(c);
	*socket_context = NULL;
}

/* The connection's entry, or NULL when it is not guarded. */
static struct api_conn *api_guard_conn(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

void api_guard_rearm(struct tof_api *api, struct MHD_Connection *conn)
{
	struct api_guard *g = api->guard;
	struct api_conn *c = api_guard_conn(conn);

	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->deadline_ms = api_guard_now_ms() + g->timeout_ms;
	pthread_mutex_unlock(&g->lock);
}

void api_guard_counts(struct tof_api *api, uint64_t *cut, uint32_t *open)
{
	struct api_guard *g = api->guard;

	pthread_mutex_lock(&g->lock);
	*cut = g->cut;
	*open = g->open;
	pthread_mutex_unlock(&g->lock);
}
