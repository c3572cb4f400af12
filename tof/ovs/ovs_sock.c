/* Stream sockets with deadlines (poll), for tof/ovs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ovs_sock.h"

uint64_t ovs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timeout, -1 error. */
static int sock_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

/* "unix:PATH" or "tcp:IP:PORT" into an address. */
static int sock_addr(const char *target, struct sockaddr_storage *ss, socklen_t *sl, char *err,
		     size_t errlen)
{
	memset(ss, 0, sizeof(*ss));
	if (strncmp(target, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(target + 5) >= sizeof(un->sun_path)) {
			snprintf(err, errlen, "%s: path too long for a unix socket", target);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, target + 5);
		*sl = sizeof(*un);
		return 0;
	}
	if (strncmp(target, "tcp:", 4) == 0) {
		const char *colon = strrchr(target + 4, ':');
		char host[64];
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		long port = colon ? strtol(colon + 1, NULL, 10) : 0;
		size_t hl = colon ? (size_t)(colon - target - 4) : 0;

		if (hl > 0 && target[4] == '[' && colon[-1] == ']') {
			hl -= 2;
			memcpy(host, target + 5, hl < sizeof(host) ? hl : 0);
		} else if (hl < sizeof(host)) {
			memcpy(host, target + 4, hl);
		}
		if (hl < sizeof(host) && port > 0 && port < 65536) {
			host[hl] = '\0';
			if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
				in4->sin_family = AF_INET;
				in4->sin_port = htons((uint16_t)port);
				*sl = sizeof(*in4);
				return 0;
			}
			if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons((uint16_t)port);
				*sl = sizeof(*in6);
				return 0;
			}
		}
	}
	snprintf(err, errlen, "%s: not \"unix:PATH\" or \"tcp:IP:PORT\"", target);
	return -1;
}

int ovs_sock_connect(const char *target, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl, el = sizeof(int);
	int fd, rc, soerr = 0;

	if (sock_addr(target, &ss, &sl, err, errlen) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", target, strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	if (rc < 0 && errno == EINPROGRESS) {
		rc = sock_wait(fd, POLLOUT, timeout_ms);
		if (rc == 0) {
			snprintf(err, errlen, "%s: connect: timed out", target);
			close(fd);
			return -1;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
		errno = soerr;
		rc = soerr ? -1 : 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", target, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t ovs_sock_read(int fd, void *buf, size_t len, int timeout_ms, char *err, size_t errlen)
{
	ssize_t n;
	int rc = sock_wait(fd, POLLIN, timeout_ms);

	if (rc == 0)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return -1;
	}
	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		snprintf(err, errlen, "%s", n == 0 ? "the switch closed the connection" :
			 strerror(errno));
		return -1;
	}
	return n;
}

int ovs_sock_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *err,
		       size_t errlen)
{
	const uint8_t *p = buf;
	uint64_t end = ovs_now_ms() + (uint64_t)timeout_ms;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			uint64_t now = ovs_now_ms();

			if (now >= end || sock_wait(fd, POLLOUT, (int)(end - now)) <= 0) {
				snprintf(err, errlen, "send: timed out");
				return -1;
			}
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
