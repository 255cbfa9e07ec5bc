/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hugemem ports in several processes (ethdev_i.h has the overview).
 *
 * The primary reserves the port table (memzone ETH_SHARED_MZ) with its first
 * port and frees it when its last port goes; each port's NIC is created in
 * hugemem memory (hm_nic_conf.shared) and its driver queues, rings and pools
 * are hugemem's already, so every pointer in the table is valid in every
 * attached process. A secondary finds the table at rte_eal_init
 * (hm_ethdev_attach): the same port ids, names, queues and counters; its
 * fast path (rte_hm_eth_fp, per process) gets the started queues of that
 * moment, and it opens its own descriptor on each port's TX capture.
 *
 * The device model runs where the driver rings the tail: a secondary's
 * rte_eth_tx_burst steps that TX queue itself, under the port's tx_lock (a
 * shared lock in the shared table: one process steps a port's TX engine at a
 * time). The NIC's sink is a callback, and a callback is per process: under
 * the lock, eth_tx_lock installs this process's callback when another
 * process's is in place (sink_pid).
 *
 * A TX capture written by several processes stays a valid pcap: the primary
 * writes the file header when it creates the port, then every process writes
 * each record (16-byte header and frame) with one writev(2) on an O_APPEND
 * descriptor, under the port's tx_lock. Nothing is buffered, so a process
 * killed at any point leaves whole records behind.
 *
 * The port's tx_lock and rx_lock are shared locks (hugemem/lock.h): a process
 * killed holding one does not stop the others. The next process that needs
 * the lock takes it over once the process table says the holder is dead, after
 * that side of the NIC passes hm_nic_tx_check / hm_nic_rx_check (the TX side
 * also forgets the dead process's sink: sink_pid 0). A failed check poisons
 * the lock: the port is out of service (eth_port_out): every process that meets
 * the poisoned lock logs it once and empties its fast path of the port, and
 * the control calls return -EOWNERDEAD; closing the port clears it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ethdev_i.h"
#include "hugemem/init.h"
#include "hugemem/memzone.h"
#include "hugemem/mp.h"

static struct eth_shared eth_sh_own;     /* no table yet: every slot UNUSED */
struct eth_shared *hm_eth_sh = &eth_sh_own;
struct eth_local hm_eth_local[RTE_MAX_ETHPORTS];
static const struct hm_memzone *eth_mz;  /* the table's memzone, this process's view */
static int32_t eth_pid;                  /* this process (sink_pid) */
static uint64_t eth_gen;                 /* a secondary: the table's gen its fast path has
                                          * (atomic: any lcore may sync) */
static hm_spinlock_t eth_sync_lock = HM_SPINLOCK_INITIALIZER; /* one lcore syncs at a time */

bool
eth_secondary(void)
{
	return hm_proc_type() == HM_PROC_SECONDARY;
}

int
eth_refuse_secondary(uint16_t port_id, const char *what)
{
	ETH_LOG(ERR, "%s (port %u): not allowed in a secondary process (the primary "
		"configures, starts, stops and closes ports)\n", what, port_id);
	rte_errno = E_RTE_SECONDARY;
	return -E_RTE_SECONDARY;
}

int
eth_shared_get(void)
{
	const struct hm_memzone *mz;

	eth_pid = (int32_t)getpid();
	if (hm_eth_sh != &eth_sh_own)
		return 0;
	mz = hm_memzone_reserve(ETH_SHARED_MZ, sizeof(struct eth_shared), SOCKET_ID_ANY, 0);
	if (mz == NULL) {
		ETH_LOG(ERR, "cannot reserve the port table (%zu bytes): %s\n",
			sizeof(struct eth_shared), hm_last_error());
		return hm_errno == EEXIST ? -EEXIST : -ENOMEM;
	}
	memset(mz->addr, 0, sizeof(struct eth_shared));
	hm_eth_sh = mz->addr;
	hm_eth_sh->size = sizeof(struct eth_shared);
	__atomic_store_n(&hm_eth_sh->magic, ETH_SHARED_MAGIC, __ATOMIC_RELEASE);
	eth_mz = mz;
	return 0;
}

void
eth_shared_put(void)
{
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		eth_local_free(i);
	if (hm_eth_sh == &eth_sh_own)
		return;
	memset(rte_hm_eth_fp, 0, sizeof(rte_hm_eth_fp));
	hm_eth_sh = &eth_sh_own;
	if (!eth_secondary() && eth_mz != NULL)
		hm_memzone_free(eth_mz);
	eth_mz = NULL;
}

void
eth_shared_put_if_empty(void)
{
	if (hm_eth_sh == &eth_sh_own || eth_secondary())
		return;
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (hm_eth_ports[i].state != PORT_UNUSED)
			return;
	eth_shared_put();
}

void
eth_local_free(uint16_t id)
{
	struct eth_local *l = &hm_eth_local[id];

	hm_traffic_gen_free(l->gen);
	hm_pcap_close(l->pin);
	free(l->pend);
	free(l->pcap_path);
	if (l->sink_fd > 0)
		close(l->sink_fd - 1);
	memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------- the TX sink */

void
eth_secondary_sync(void)
{
	uint64_t gen;

	if (hm_eth_sh == &eth_sh_own || !eth_secondary())
		return;
	gen = __atomic_load_n(&hm_eth_sh->gen, __ATOMIC_ACQUIRE);
	if (gen == __atomic_load_n(&eth_gen, __ATOMIC_ACQUIRE))
		return;
	hm_spinlock_lock(&eth_sync_lock);
	if (gen != __atomic_load_n(&eth_gen, __ATOMIC_RELAXED)) {
		for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
			if (hm_eth_ports[i].state == PORT_PROBED)
				eth_fp_sync(&hm_eth_ports[i]);
			else
				memset(&rte_hm_eth_fp[i], 0, sizeof(rte_hm_eth_fp[i]));
		__atomic_store_n(&eth_gen, gen, __ATOMIC_RELEASE);
	}
	hm_spinlock_unlock(&eth_sync_lock);
}

uint16_t
rte_hm_eth_rx_idle(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts,
		   uint16_t nb_pkts)
{
	uint64_t before = __atomic_load_n(&eth_gen, __ATOMIC_ACQUIRE);

	eth_secondary_sync();
	if (__atomic_load_n(&eth_gen, __ATOMIC_ACQUIRE) == before ||
	    rte_hm_eth_fp[port_id].rxq[queue_id] == NULL)
		return 0;
	return rte_eth_rx_burst(port_id, queue_id, rx_pkts, nb_pkts);
}

uint16_t
rte_hm_eth_tx_idle(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts,
		   uint16_t nb_pkts)
{
	uint64_t before = __atomic_load_n(&eth_gen, __ATOMIC_ACQUIRE);

	eth_secondary_sync();
	if (__atomic_load_n(&eth_gen, __ATOMIC_ACQUIRE) == before ||
	    rte_hm_eth_fp[port_id].txq[queue_id] == NULL)
		return 0;
	return rte_eth_tx_burst(port_id, queue_id, tx_pkts, nb_pkts);
}

/* ---------------------------------------------------------------- the port's locks */

/* The pid that left a lock of @p p poisoned (-1: unknown), 0 when none is. */
static int32_t
dead_pid(const struct hm_eth_port *p)
{
	int32_t pid = hm_shared_poisoned(&p->rx_lock);

	return pid != 0 ? pid : hm_shared_poisoned(&p->tx_lock);
}

/* The driver queues of started ones into the fast path (port stopped or out
 * of service: none). */
void
eth_fp_sync(struct hm_eth_port *p)
{
	struct rte_hm_eth_fp *fp = &rte_hm_eth_fp[p->id];
	bool on = p->started && dead_pid(p) == 0;

	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		fp->rxq[q] = on && p->rxq[q].started ? (void *)p->rxq[q].q : NULL;
		fp->txq[q] = on && p->txq[q].started ? (void *)p->txq[q].q : NULL;
	}
	/* the source is the primary's; a secondary's rx_burst only receives */
	fp->feed = !eth_secondary() && (hm_eth_local[p->id].src != NULL || hm_eth_idle_ms != 0);
	fp->kick = 1;
	if (!eth_secondary())
		__atomic_fetch_add(&hm_eth_sh->gen, 1, __ATOMIC_RELEASE); /* secondaries resync */
}

int
eth_port_out(const struct hm_eth_port *p)
{
	int32_t pid = dead_pid(p);

	if (pid == 0)
		return 0;
	ETH_LOG(ERR, "%s is out of service: process %d died holding one of its device locks "
		"and left the device inconsistent (close the port)\n", p->name, (int)pid);
	return -EOWNERDEAD;
}

/* A lock of @p p came back poisoned (hm_last_error names the dead pid): say so
 * once in this process, and take the port's queues out of its fast path. */
static int
port_dead(struct hm_eth_port *p, int rc)
{
	struct eth_local *l = &hm_eth_local[p->id];

	if (__atomic_exchange_n(&l->dead_logged, 1, __ATOMIC_RELAXED) == 0)
		ETH_LOG(ERR, "%s: out of service: %s\n", p->name, hm_last_error());
	eth_fp_sync(p);
	return rc;
}

/* Repairs, run with the lock taken over from a dead process: the side of the
 * NIC it guarded must pass its validator. */
static int
rx_repair(void *arg, const char **why)
{
	struct hm_eth_port *p = arg;

	if (hm_nic_rx_check(p->nic, why) == 0)
		return 0;
	if (*why == NULL)
		*why = hm_last_error();
	return -EFAULT;
}

static int
tx_repair(void *arg, const char **why)
{
	struct hm_eth_port *p = arg;

	p->sink_pid = 0; /* the dead process's callback: the taker installs its own */
	if (hm_nic_tx_check(p->nic, why) == 0)
		return 0;
	if (*why == NULL)
		*why = hm_last_error();
	return -EFAULT;
}

int
eth_rx_lock(struct hm_eth_port *p)
{
	int rc = hm_shared_lock(&p->rx_lock, p->rx_what, rx_repair, p);

	return rc < 0 ? port_dead(p, rc) : 0;
}

int
eth_rx_trylock(struct hm_eth_port *p)
{
	struct eth_local *l = &hm_eth_local[p->id];
	int rc = hm_shared_trylock(&p->rx_lock);

	if (rc == 1) {
		if (__atomic_load_n(&l->rx_busy, __ATOMIC_RELAXED) != 0)
			__atomic_store_n(&l->rx_busy, 0, __ATOMIC_RELAXED);
		return 1;
	}
	if (rc == 0 && __atomic_add_fetch(&l->rx_busy, 1, __ATOMIC_RELAXED) < ETH_RX_TRIES)
		return 0;
	/* busy ETH_RX_TRIES times in a row: wait once, so that a dead holder is
	 * found and its lock taken over */
	__atomic_store_n(&l->rx_busy, 0, __ATOMIC_RELAXED);
	if (rc == 0)
		rc = hm_shared_lock(&p->rx_lock, p->rx_what, rx_repair, p);
	if (rc < 0)
		return port_dead(p, rc);
	return 1;
}

void
eth_rx_unlock(struct hm_eth_port *p)
{
	(void)hm_shared_unlock(&p->rx_lock);
}

int
eth_tx_lock(struct hm_eth_port *p)
{
	int rc = hm_shared_lock(&p->tx_lock, p->tx_what, tx_repair, p);

	if (rc < 0)
		return port_dead(p, rc);
	if (p->sink_pid != eth_pid) {
		struct hm_nic_sink s = { .kind = HM_NIC_SINK_FUNC, .fn = eth_port_sink, .ctx = p };
		if (hm_nic_tx_sink_set(p->nic, &s) == 0)
			p->sink_pid = eth_pid;
	}
	return 0;
}

void
eth_tx_unlock(struct hm_eth_port *p)
{
	(void)hm_shared_unlock(&p->tx_lock);
}

/* Check the descriptor @p fd of @p path: a regular file of ours (or a device
 * or FIFO, written as they are); for @p need_header, one starting with the
 * header the primary wrote. @return 0 or -errno (message logged). */
static int
sink_file_ok(struct hm_eth_port *p, int fd, bool need_header)
{
	struct stat st;
	uint32_t magic = 0;

	if (fstat(fd, &st) != 0) {
		int e = errno;
		ETH_LOG(ERR, "%s: tx_pcap=%s: cannot stat: %s\n", p->name, p->tx_pcap_path,
			strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode))
		return S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ? 0 : -EINVAL;
	if (st.st_uid != geteuid()) {
		ETH_LOG(ERR, "%s: tx_pcap=%s: the file belongs to uid %u, not to this process's "
			"%u: refusing to write into it\n", p->name, p->tx_pcap_path,
			(unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if (need_header &&
	    (pread(fd, &magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	     magic != HM_PCAP_MAGIC_NS)) {
		ETH_LOG(ERR, "%s: tx_pcap=%s: not the capture the primary started (no nanosecond "
			"pcap header)\n", p->name, p->tx_pcap_path);
		return -EINVAL;
	}
	return 0;
}

int
eth_pcap_sink_open(struct hm_eth_port *p, const struct hm_pcap_reader *in)
{
	struct eth_local *l = &hm_eth_local[p->id];
	bool primary = !eth_secondary();
	int fd, rc;

	fd = open(p->tx_pcap_path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		  (primary ? O_CREAT : 0), 0666);
	if (fd < 0) {
		rc = -errno;
		ETH_LOG(ERR, "%s: tx_pcap=%s: cannot open: %s%s\n", p->name, p->tx_pcap_path,
			strerror(-rc), rc == -ELOOP ? " (a symbolic link is not followed)" : "");
		return rc;
	}
	rc = sink_file_ok(p, fd, !primary);
	if (rc == 0 && primary && in != NULL) {
		int same = hm_pcap_same_file(in, fd);
		if (same != 0) {
			ETH_LOG(ERR, "%s: tx_pcap=%s is the capture being read: refusing to "
				"overwrite it\n", p->name, p->tx_pcap_path);
			rc = same < 0 ? -hm_errno : -EEXIST;
		}
	}
	if (rc == 0 && primary) {
		struct stat st;
		const uint32_t magic = HM_PCAP_MAGIC_NS;
		const uint16_t ver[2] = { 2, 4 };
		const uint32_t rest[4] = { 0, 0, HM_PCAP_MAX_SNAPLEN, HM_PCAP_LINKTYPE_ETHERNET };
		uint8_t h[HM_PCAP_FILE_HDR_SIZE];
		memcpy(h, &magic, 4);
		memcpy(h + 4, ver, 4);
		memcpy(h + 8, rest, 16);
		errno = 0;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0)
			rc = -errno;
		else if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
			rc = errno != 0 ? -errno : -EIO;
		if (rc < 0)
			ETH_LOG(ERR, "%s: tx_pcap=%s: cannot write the header: %s\n", p->name,
				p->tx_pcap_path, strerror(-rc));
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	/* blocking writes from here on (a FIFO's reader may be slow) */
	if (fcntl(fd, F_SETFL, O_APPEND) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	l->sink_fd = fd + 1;
	return 0;
}

int
eth_pcap_sink_put(struct hm_eth_port *p, const void *frame, size_t len)
{
	int fd = hm_eth_local[p->id].sink_fd - 1;
	struct timespec ts;
	uint32_t h[4];
	struct iovec iov[2];
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	if (len > HM_PCAP_MAX_SNAPLEN)
		return -EMSGSIZE;
	clock_gettime(CLOCK_REALTIME, &ts);
	h[0] = (uint32_t)ts.tv_sec;
	h[1] = (uint32_t)ts.tv_nsec;
	h[2] = h[3] = (uint32_t)len;
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)frame;
	iov[1].iov_len = len;
	do
		n = writev(fd, iov, 2);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + len ? 0 : -EIO;
}

/* ---------------------------------------------------------------- attach */

int hm_ethdev_attach(void);

/*
 * rte_eal_init in a secondary: the primary's ports, if it has any. @return 0,
 * -EPROTO (the table was written by another build of the library), an error
 * opening a port's TX capture; nothing kept on error.
 */
int
hm_ethdev_attach(void)
{
	const struct hm_memzone *mz;
	struct eth_shared *sh;
	int rc = 0;

	if (!eth_secondary())
		return 0;
	eth_pid = (int32_t)getpid();
	mz = hm_memzone_lookup(ETH_SHARED_MZ);
	if (mz == NULL)
		return 0; /* the primary has no port */
	sh = mz->addr;
	if (mz->len < sizeof(struct eth_shared) ||
	    __atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE) != ETH_SHARED_MAGIC ||
	    sh->size != sizeof(struct eth_shared)) {
		ETH_LOG(ERR, "the primary's port table (memzone %s, %zu bytes) is not this "
			"library's (%zu bytes): the primary and this secondary must use the same "
			"hugemem build\n", ETH_SHARED_MZ, mz->len, sizeof(struct eth_shared));
		return -EPROTO;
	}
	hm_eth_sh = sh;
	eth_mz = mz;
	__atomic_store_n(&eth_gen, __atomic_load_n(&sh->gen, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS && rc == 0; i++) {
		struct hm_eth_port *p = &hm_eth_ports[i];
		if (p->state != PORT_PROBED)
			continue;
		if (p->sink == SINK_PCAP)
			rc = eth_pcap_sink_open(p, NULL);
		eth_fp_sync(p);
	}
	if (rc < 0)
		eth_shared_put();
	return rc;
}
