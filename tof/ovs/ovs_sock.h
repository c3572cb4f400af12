/* Stream sockets to Open vSwitch ("unix:PATH" or "tcp:IP:PORT") with
 * deadlines, shared by the OVSDB and the OpenFlow connections. */
#ifndef TOF_OVS_SOCK_H
#define TOF_OVS_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic milliseconds. */
uint64_t ovs_now_ms(void);

/* A connected, non-blocking, close-on-exec socket, or -1 with err. */
int ovs_sock_connect(const char *target, int timeout_ms, char *err, size_t errlen);

/* What arrives within timeout_ms: >0 octets, 0 nothing yet, -1 error or
 * end of stream (err says which). */
ssize_t ovs_sock_read(int fd, void *buf, size_t len, int timeout_ms, char *err,
		      size_t errlen);

/* All of it within timeout_ms: 0, or -1 with err. */
int ovs_sock_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *err,
		       size_t errlen);

#endif
