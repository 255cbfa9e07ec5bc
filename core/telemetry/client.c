/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side: where DPDK's client looks for a process's socket, and a
 * small blocking client (connect, greeting, one request at a time) for the
 * heap map command and the tests.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "telemetry_i.h"

int
tel_base_dir(char *buf, size_t len)
{
	const char *d = getenv("RUNTIME_DIRECTORY");

	/* dpdk-telemetry.py's rule (and EAL's): the real uid decides */
	if (d == NULL || *d == '\0') {
		d = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");
		if (d == NULL || *d == '\0')
			d = "/tmp";
	}
	if (hm_snprintf(buf, len, "%s/dpdk", d) < 0)
		return hm_fail(ENAMETOOLONG, "telemetry: directory %s/dpdk is too long", d);
	return 0;
}

int
tel_socket_name(unsigned int instance, char *buf, size_t len)
{
	int rc = instance == 0 ? hm_snprintf(buf, len, "%s", HM_TELEMETRY_SOCKET_NAME) :
		hm_snprintf(buf, len, "%s:%u", HM_TELEMETRY_SOCKET_NAME, instance);

	return rc < 0 ? -ENAMETOOLONG : 0;
}

int
hm_telemetry_path(const char *prefix, unsigned int instance, char *buf, size_t len)
{
	char base[256], name[32];

	if (prefix == NULL || buf == NULL || prefix[0] == '\0' || strchr(prefix, '/') != NULL ||
	    strcmp(prefix, ".") == 0 || strcmp(prefix, "..") == 0)
		return hm_fail(EINVAL, "telemetry: path needs a file prefix without '/'");
	if (instance >= HM_TELEMETRY_MAX_INSTANCES)
		return hm_fail(EINVAL, "telemetry: instance %u is not below %d", instance,
			       HM_TELEMETRY_MAX_INSTANCES);
	if (tel_base_dir(base, sizeof(base)) < 0 || tel_socket_name(instance, name, sizeof(name)) < 0)
		return -ENAMETOOLONG;
	if (hm_snprintf(buf, len, "%s/%s/%s", base, prefix, name) < 0)
		return hm_fail(ENAMETOOLONG, "telemetry: %s/%s/%s does not fit %zu bytes", base,
			       prefix, name, len);
	return 0;
}

/* Receive one message into @p buf within @p timeout_ms. */
static int
recv_msg(int fd, char *buf, size_t len, int timeout_ms)
{
	int64_t end = (int64_t)hm_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		int64_t left = end - (int64_t)hm_now_ms();
		int rc = poll(&p, 1, left < 0 ? 0 : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return hm_fail(errno, "telemetry: poll: %s", hm_strerror(-errno));
		if (rc == 0)
			return hm_fail(ETIMEDOUT, "telemetry: no reply within %d ms", timeout_ms);
		break;
	}
	do
		n = recv(fd, buf, len - 1, MSG_TRUNC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hm_fail(errno, "telemetry: recv: %s", hm_strerror(-errno));
	if (n == 0)
		return hm_fail(ECONNRESET, "telemetry: the server closed the connection");
	if ((size_t)n > len - 1) {
		buf[len - 1] = '\0';
		return hm_fail(EMSGSIZE, "telemetry: a reply of %zd bytes does not fit %zu", n, len);
	}
	buf[n] = '\0';
	return (int)n;
}

int
hm_telemetry_connect(const char *path, char *greeting, size_t len, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char local[512], *g = greeting != NULL ? greeting : local;
	size_t glen = greeting != NULL ? len : sizeof(local);
	int fd, rc;

	if (path == NULL || (greeting != NULL && len < 2))
		return hm_fail(EINVAL, "telemetry: connect needs a path (and room for the greeting)");
	if (strlen(path) >= sizeof(sa.sun_path))
		return hm_fail(ENAMETOOLONG, "telemetry: socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hm_fail(errno, "telemetry: socket: %s", hm_strerror(-errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return hm_fail(-rc, "telemetry: cannot connect to %s: %s", path, hm_strerror(rc));
	}
	rc = recv_msg(fd, g, glen, timeout_ms);
	if (rc >= 0 && (strstr(g, "\"max_output_len\"") == NULL || g[0] != '{'))
		rc = hm_fail(strstr(g, "\"error\"") != NULL ? EBUSY : EPROTO,
			     "telemetry: %s answered %.200s, not a telemetry greeting", path, g);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int
hm_telemetry_query(int fd, const char *msg, char *reply, size_t len, int timeout_ms)
{
	size_t n;

	if (fd < 0 || msg == NULL || reply == NULL || len < 2)
		return hm_fail(EINVAL, "telemetry: query needs a socket, a request and a buffer");
	n = strlen(msg);
	if (send(fd, msg, n, MSG_NOSIGNAL) < 0)
		return hm_fail(errno == EPIPE ? ECONNRESET : errno, "telemetry: send: %s",
			       hm_strerror(-errno));
	return recv_msg(fd, reply, len, timeout_ms);
}
