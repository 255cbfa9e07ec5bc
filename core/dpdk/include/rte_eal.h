/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Environment Abstraction Layer over hugemem: rte_eal_init parses DPDK's
 * EAL options (and hugemem's: --backend, --topology, --fault, ...), starts
 * hugemem, and runs one thread per worker lcore. rte_eal_cleanup releases all
 * of it, and rte_eal_init works again afterwards in the same process.
 * docs/dpdk-compat.md lists the options and what differs from DPDK.
 */
#ifndef _RTE_EAL_H_
#define _RTE_EAL_H_

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_config.h>
#include <rte_compat.h>
#include <rte_per_lcore.h>
#include <rte_uuid.h>
#include <rte_pci_dev_feature_defs.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MAGIC 19820526
#define RTE_MAX_THREAD_NAME_LEN 16

enum rte_proc_type_t {
	RTE_PROC_AUTO = -1,
	RTE_PROC_PRIMARY = 0,
	RTE_PROC_SECONDARY,
	RTE_PROC_INVALID
};

/** RTE_PROC_SECONDARY in a process started with --proc-type=secondary (or auto
 * next to a running primary), else RTE_PROC_PRIMARY. */
enum rte_proc_type_t rte_eal_process_type(void);

/** Raise the I/O privilege level (x86 iopl(3)). @return 0, or -1 (no permission). */
int rte_eal_iopl_init(void);

/**
 * Parse the EAL options at the front of @p argv and start the EAL.
 * @return the number of arguments parsed (argv[ret] is then the program name,
 *   as DPDK leaves it), or -1 with rte_errno: EALREADY (initialised), EINVAL
 *   (bad option: the log says which), ENOTSUP (an option hugemem cannot honour:
 *   the log names it and why), ENOMEM, EBUSY (another primary owns the runtime
 *   directory), or the errno of the failing system call. On failure nothing is
 *   left behind.
 */
int rte_eal_init(int argc, char **argv);

/**
 * Stop the worker threads (waiting for running lcore functions), release all
 * memory, files and mappings. @return 0; -1 with rte_errno EALREADY (not
 * initialised) or EPERM (not called from the main lcore).
 */
int rte_eal_cleanup(void);

/**
 * 1 when a process holds the lock of the config file at @p config_file_path
 * (NULL: this instance's runtime dir "/config"), 0 otherwise (a caller's own
 * lock does not count, as with DPDK).
 */
int rte_eal_primary_proc_alive(const char *config_file_path);

/**
 * Primary: true when no secondary is attached; later secondaries are then
 * refused (their rte_eal_init fails with EPERM) and this process's rte_mp_*
 * calls fail with ENOTSUP, until rte_eal_cleanup. false (nothing changes) while
 * a secondary is attached, and in a secondary. true before rte_eal_init.
 */
bool rte_mp_disable(void);

#define RTE_MP_MAX_FD_NUM 8
#define RTE_MP_MAX_NAME_LEN 64
#define RTE_MP_MAX_PARAM_LEN 256
struct rte_mp_msg {
	char name[RTE_MP_MAX_NAME_LEN];
	int len_param;
	int num_fds;
	uint8_t param[RTE_MP_MAX_PARAM_LEN];
	int fds[RTE_MP_MAX_FD_NUM];
};

struct rte_mp_reply {
	int nb_sent;
	int nb_received;
	struct rte_mp_msg *msgs; /* the caller frees it */
};

typedef int (*rte_mp_t)(const struct rte_mp_msg *msg, const void *peer);
typedef int (*rte_mp_async_reply_t)(const struct rte_mp_msg *request,
				    const struct rte_mp_reply *reply);

/*
 * Multi-process IPC (docs/multiprocess.md): unix datagram sockets in the
 * runtime dir; the primary talks to every live secondary, a secondary to the
 * primary; fds travel as SCM_RIGHTS. Actions and async callbacks run on the
 * "rte_mp_handle" thread. Errors are -1 with rte_errno:
 *   EINVAL  NULL/empty name or message, negative len_param/num_fds, NULL
 *           action/reply/callback/peer, a timespec out of range, a peer that is
 *           no socket of the instance
 *   E2BIG   a name of RTE_MP_MAX_NAME_LEN or more, len_param > RTE_MP_MAX_PARAM_LEN,
 *           num_fds > RTE_MP_MAX_FD_NUM
 *   ENOTSUP --no-shconf / --in-memory, after rte_mp_disable(), before rte_eal_init
 *           (rte_mp_action_register works before it; rte_mp_reply returns 0
 *           under --no-shconf, as DPDK)
 *   EEXIST  an action of that name is registered; a request of that name waits
 *   ETIMEDOUT rte_mp_request_sync: a live peer did not answer in time (replies
 *           dropped, nb_received 0; a peer that died is counted in nb_sent, not
 *           in nb_received, and is not waited for)
 *   EDEADLK rte_mp_request_sync from an action or async callback
 *   ECONNREFUSED a secondary whose primary is gone; else the errno of sendmsg
 */
int rte_mp_action_register(const char *name, rte_mp_t action);
void rte_mp_action_unregister(const char *name);
int rte_mp_sendmsg(struct rte_mp_msg *msg);
int rte_mp_request_sync(struct rte_mp_msg *req, struct rte_mp_reply *reply,
			const struct timespec *ts);
int rte_mp_request_async(struct rte_mp_msg *req, const struct timespec *ts,
			 rte_mp_async_reply_t clb);
int rte_mp_reply(struct rte_mp_msg *msg, const char *peer);

typedef void (*rte_usage_hook_t)(const char *prgname);
/** Print the application's usage after the EAL's (--help, bad options).
 * @return the previous hook. */
rte_usage_hook_t rte_set_application_usage_hook(rte_usage_hook_t usage_func);

/** 1 on real hugepages (hugetlbfs backend), 0 on emu (--no-huge or the default). */
int rte_eal_has_hugepages(void);
/** 0: hugemem has no PCI bus. */
int rte_eal_has_pci(void);
/** 0: no UIO devices. */
int rte_eal_create_uio_dev(void);
/** RTE_INTR_MODE_NONE: no VFIO devices. */
enum rte_intr_mode rte_eal_vfio_intr_mode(void);
/** The zero UUID: no VFIO devices. */
__rte_experimental
void rte_eal_vfio_get_vf_token(rte_uuid_t vf_token);

/** The kernel's id of the calling thread. */
int rte_sys_gettid(void);

RTE_DECLARE_PER_LCORE(int, _thread_id);

/** rte_sys_gettid, cached per thread. */
static inline int
rte_gettid(void)
{
	if (RTE_PER_LCORE(_thread_id) == -1)
		RTE_PER_LCORE(_thread_id) = rte_sys_gettid();
	return RTE_PER_LCORE(_thread_id);
}

/** The base of hugemem's VA reservations (--base-virtaddr, else 4 GiB). */
__rte_internal
uint64_t rte_eal_get_baseaddr(void);

enum rte_iova_mode {
	RTE_IOVA_DC = 0,
	RTE_IOVA_PA = (1 << 0),
	RTE_IOVA_VA = (1 << 1)
};

/** RTE_IOVA_PA or RTE_IOVA_VA while initialised, RTE_IOVA_DC otherwise. */
enum rte_iova_mode rte_eal_iova_mode(void);
/** --mbuf-pool-ops-name, or NULL. */
const char *rte_eal_mbuf_user_pool_ops(void);
/** <runtime dir>/<file prefix> of the running instance ("" when not initialised). */
const char *rte_eal_get_runtime_dir(void);

/**
 * Turn a hex mask ("0x5", "a") into cores[i] = order of core i in the mask or -1,
 * for i < RTE_MAX_LCORE. @return 0, or -1 for a malformed mask (cores unchanged).
 */
__rte_internal
int rte_eal_parse_coremask(const char *coremask, int *cores);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_EAL_H_ */
