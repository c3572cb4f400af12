/* make bench: POST -> effect latency of the REST API.
 *
 * The API runs in this process on loopback, over tables, a ctl and a state
 * file in /tmp (the same disk as the build here). A client on a kept-alive
 * connection sends POST /service and, without waiting for the reply, spins
 * on the tables (tof_service_find_ip under the seqlock, as a worker reads
 * them) until the service is there: that is the effect. Then it reads the
 * reply (the acknowledgement, after the state file's fsync) and deletes the
 * service again. References measured in the same run: a GET /health/live
 * round trip on the same connection (the HTTP floor), and tof_state_save
 * alone (the fsync a change waits for). Figures, not pass/fail.
 *
 *   bench_api [ROUNDS] */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "agent_ctl.h"
#include "agent_state.h"
#include "api.h"
#include "config.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_api: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Read one response; returns its status. */
static int read_response(int fd)
{
	static char buf[65536];
	size_t got = 0;
	char *end;
	long clen;

	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			die("read");
		got += (size_t)r;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		char *cl = strcasestr(buf, "content-length:");
		clen = cl ? strtol(cl + 15, NULL, 10) : 0;
		if (got >= (size_t)(end + 4 - buf) + (size_t)clen)
			break;
	}
	return atoi(buf + 9);
}

static void request(int fd, const char *method, const char *path, const char *body)
{
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 method, path, body ? strlen(body) : 0, body ? body : "");

	send_all(fd, req, (size_t)n);
}

/* As a worker sees it: a lookup between two quiescent points. */
static bool visible(struct tof_tables *t, int reader, const struct gtp_addr *sip)
{
	tof_qsbr_online(&t->qsbr, (unsigned int)reader);
	bool seen = tof_svc_find_ip(t, sip) != NULL;
	tof_qsbr_offline(&t->qsbr, (unsigned int)reader);
	return seen;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	printf("  %-44s p50 %8.1f us   p99 %8.1f us\n", what, v[n / 2] / 1e3,
	       v[(n * 99) / 100] / 1e3);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	char dir[] = "/tmp/tof-bench-api.XXXXXX", path[64], err[256];
	const char *body = "{\"name\":\"bench\",\"serviceIP\":\"203.0.113.100\","
			   "\"applicationIP\":\"198.51.100.10\"}";
	uint64_t *effect = calloc((size_t)rounds, 8), *ack = calloc((size_t)rounds, 8);
	uint64_t *del = calloc((size_t)rounds, 8), *rtt = calloc((size_t)rounds, 8);
	uint64_t *save = calloc((size_t)rounds, 8);
	struct tof_service_config sc;
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_state *st, *st2;
	struct tof_ctl *ctl;
	struct tof_ctl_err e;
	struct tof_api *api;
	struct gtp_addr sip;
	int fd;

	if (rounds < 100 || !mkdtemp(dir))
		die("usage: bench_api [ROUNDS >= 100]");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	tof_config_defaults(&cfg);
	cfg.api_listen = "127.0.0.1:0";
	t = tof_tables_create(1024, 1024);
	if (!t || tof_state_open(path, &st, err, sizeof(err)) < 0)
		die(err);
	ctl = tof_ctl_create(t, NULL, st);
	if (tof_ctl_load_services(ctl, NULL, 0, true, &e) != TOF_CTL_OK)
		die(e.msg);
	struct tof_api_opts o = { .cfg = &cfg, .quiet = true };
	if (tof_api_start(&o, ctl, &api, err, sizeof(err)) < 0)
		die(err);
	fd = connect_to(tof_api_port(api));
	gtp_addr_parse("203.0.113.100", &sip);
	int reader = tof_qsbr_register(&t->qsbr);

	for (int i = -50; i < rounds; i++) { /* 50 to warm up */
		uint64_t t0 = now_ns(), t1, t2, t3;

		request(fd, "POST", "/service", body);
		/* spin, but let the server's thread have this core if it
		 * wants it (two cores here) */
		while (!visible(t, reader, &sip))
			sched_yield();
		t1 = now_ns();
		if (read_response(fd) != 200)
			die("POST not 200");
		t2 = now_ns();
		request(fd, "DELETE", "/service/bench", NULL);
		if (read_response(fd) != 200 || visible(t, reader, &sip))
			die("DELETE");
		t3 = now_ns();
		if (i >= 0) {
			effect[i] = t1 - t0;
			ack[i] = t2 - t0;
			del[i] = t3 - t2;
		}
	}
	for (int i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();

		request(fd, "GET", "/health/live", NULL);
		if (read_response(fd) != 200)
			die("GET");
		rtt[i] = now_ns() - t0;
	}
	/* the fsync a change waits for, on its own */
	snprintf(path, sizeof(path), "%s/alone.json", dir);
	if (tof_state_open(path, &st2, err, sizeof(err)) < 0)
		die(err);
	memset(&sc, 0, sizeof(sc));
	strcpy(sc.name, "bench");
	sc.service_ip = sip;
	gtp_addr_parse("198.51.100.10", &sc.app_ip);
	for (int i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();

		if (tof_state_save(st2, &sc, 1, err, sizeof(err)) < 0)
			die(err);
		save[i] = now_ns() - t0;
	}
	printf("  (%d rounds; state file on %s)\n", rounds, dir);
	report("POST /service -> in the tables (effect)", effect, rounds);
	report("POST /service -> 200 (saved and fsync'd)", ack, rounds);
	report("DELETE /service/{name} -> 200", del, rounds);
	printf("  reference, same run:\n");
	report("GET /health/live round trip", rtt, rounds);
	report("state file save alone (write+fsync+rename)", save, rounds);

	close(fd);
	tof_api_stop(api);
	tof_ctl_destroy(ctl);
	tof_state_close(st);
	tof_state_close(st2);
	tof_tables_destroy(t);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		return 1;
	free(effect), free(ack), free(del), free(rtt), free(save);
	return 0;
}
