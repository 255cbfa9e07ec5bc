/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcores: roles, worker threads and remote launch (rte_lcore.h, rte_launch.h).
 *
 * Each worker lcore is a thread that holds hugemem lcore id i (so rte_lcore_id()
 * is the inline hm_lcore_id()) and sleeps on its condition variable until
 * rte_eal_remote_launch hands it a function. Launch sets RUNNING under the
 * lcore's mutex before it returns; the worker sets WAIT (and the return value)
 * when the function is done. rte_eal_cleanup waits for running functions, then
 * tells the workers to quit and joins them.
 *
 * Non-EAL lcores (rte_thread_register) and the lcore callbacks are guarded by
 * eal.lcore_lock: written when they change, read by rte_lcore_iterate.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_memory.h>

#include "dpdk_i.h"
#include "hugemem/lcore.h"
#include "hugemem/malloc.h"

struct lcore_cb {
	struct lcore_cb *next;
	char *name;
	rte_lcore_init_cb init;
	rte_lcore_uninit_cb uninit;
	void *arg;
};

static struct lcore_cb *callbacks; /* registration order; under eal.lcore_lock */

/* ---------------------------------------------------------------- workers */

static void *
worker_main(void *p)
{
	struct eal_lcore *l = p;
	unsigned int id = (unsigned int)(l - eal.lc);
	char name[RTE_MAX_THREAD_NAME_LEN];

	l->start_rc = hm_thread_register_id(id);
	snprintf(name, sizeof(name), "rte-worker-%u", id);
	pthread_setname_np(pthread_self(), name);
	sem_post(&l->started);
	if (l->start_rc < 0)
		return NULL;
	pthread_mutex_lock(&l->mu);
	for (;;) {
		while (l->state != RUNNING && !l->quit)
			pthread_cond_wait(&l->cv, &l->mu);
		if (l->state != RUNNING)
			break; /* quit, and nothing launched */
		lcore_function_t *f = l->f;
		void *arg = l->arg;
		pthread_mutex_unlock(&l->mu);
		int ret = f(arg);
		pthread_mutex_lock(&l->mu);
		l->ret = ret;
		l->f = NULL;
		__atomic_store_n(&l->state, WAIT, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	hm_thread_unregister();
	return NULL;
}

static void
stop_worker(struct eal_lcore *l)
{
	if (!l->has_thread)
		return;
	pthread_mutex_lock(&l->mu);
	while (l->state == RUNNING)
		pthread_cond_wait(&l->cv, &l->mu);
	l->quit = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	sem_destroy(&l->started);
	l->has_thread = false;
	if (l->stack != NULL) {
		hm_free(l->stack);
		l->stack = NULL;
	}
}

static int
start_worker(struct eal_lcore *l)
{
	pthread_attr_t at;
	int rc;

	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->state = WAIT;
	l->quit = false;
	l->ret = 0;
	l->f = NULL;
	sem_init(&l->started, 0, 0);
	pthread_attr_init(&at);
	if (l->pinned)
		pthread_attr_setaffinity_np(&at, sizeof(l->cpuset), &l->cpuset);
	if (eal.worker_stack != 0) {
		/* --huge-worker-stack: the stack comes from the lcore's node heap */
		int node = hm_lcore_to_socket_id((unsigned int)(l - eal.lc));
		l->stack = hm_malloc_socket("worker-stack", eal.worker_stack, 4096, node);
		if (l->stack == NULL) {
			RTE_LOG(ERR, EAL, "no hugepage memory for the stack of lcore %u\n",
				(unsigned int)(l - eal.lc));
			pthread_attr_destroy(&at);
			sem_destroy(&l->started);
			return eal_err(ENOMEM);
		}
		pthread_attr_setstack(&at, l->stack, eal.worker_stack);
	}
	rc = pthread_create(&l->thread, &at, worker_main, l);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		hm_free(l->stack);
		l->stack = NULL;
		sem_destroy(&l->started);
		RTE_LOG(ERR, EAL, "cannot create the thread of lcore %u: %s\n",
			(unsigned int)(l - eal.lc), strerror(rc));
		return eal_err(rc);
	}
	l->has_thread = true;
	while (sem_wait(&l->started) != 0)
		;
	if (l->start_rc < 0) {
		RTE_LOG(ERR, EAL, "lcore %u: %s\n", (unsigned int)(l - eal.lc), hm_strerror(l->start_rc));
		stop_worker(l);
		return eal_err(-l->start_rc);
	}
	return 0;
}

static void
reset_lcores(void)
{
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		struct eal_lcore *l = &eal.lc[i];
		if (l->has_thread) {
			stop_worker(l);
			pthread_mutex_destroy(&l->mu);
			pthread_cond_destroy(&l->cv);
		}
		memset(l, 0, sizeof(*l));
		l->role = ROLE_OFF;
		l->core_index = -1;
	}
}

int
eal_lcores_start(const unsigned int *order, unsigned int n, unsigned int main_lcore,
		 const rte_cpuset_t *cpusets, const bool *want_pin)
{
	reset_lcores();
	for (unsigned int i = 0; i < n; i++) {
		struct eal_lcore *l = &eal.lc[order[i]];
		l->role = ROLE_RTE;
		l->core_index = (int)i;
		l->cpuset = cpusets[order[i]];
		l->pinned = want_pin[order[i]];
	}
	eal.main_lcore = main_lcore;
	if (eal.lc[main_lcore].pinned &&
	    pthread_setaffinity_np(pthread_self(), sizeof(rte_cpuset_t),
				   &eal.lc[main_lcore].cpuset) != 0)
		eal.lc[main_lcore].pinned = false;
	if (!eal.lc[main_lcore].pinned)
		eal.lc[main_lcore].cpuset = eal.init_affinity;
	for (unsigned int i = 0; i < n; i++) {
		if (order[i] == main_lcore)
			continue;
		if (start_worker(&eal.lc[order[i]]) < 0) {
			int err = rte_errno;
			eal_lcores_stop();
			rte_errno = err;
			return -1;
		}
	}
	return 0;
}

void
eal_lcores_stop(void)
{
	struct lcore_cb *cb;

	reset_lcores();
	pthread_setaffinity_np(pthread_self(), sizeof(eal.init_affinity), &eal.init_affinity);
	eal.main_lcore = LCORE_ID_ANY;
	pthread_rwlock_wrlock(&eal.lcore_lock);
	while ((cb = callbacks) != NULL) {
		callbacks = cb->next;
		free(cb->name);
		free(cb);
	}
	pthread_rwlock_unlock(&eal.lcore_lock);
}

/* ---------------------------------------------------------------- launch */

/* The worker @p id, or NULL when it is not one. */
static struct eal_lcore *
worker(unsigned int id)
{
	if (!eal.up || id >= RTE_MAX_LCORE || !eal.lc[id].has_thread)
		return NULL;
	return &eal.lc[id];
}

int
rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned int worker_id)
{
	struct eal_lcore *l = worker(worker_id);

	if (l == NULL || f == NULL)
		return -EINVAL;
	pthread_mutex_lock(&l->mu);
	if (l->state != WAIT) {
		pthread_mutex_unlock(&l->mu);
		return -EBUSY;
	}
	l->f = f;
	l->arg = arg;
	__atomic_store_n(&l->state, RUNNING, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

int
rte_eal_mp_remote_launch(lcore_function_t *f, void *arg, enum rte_rmt_call_main_t call_main)
{
	unsigned int i;

	if (!eal.up || f == NULL || rte_lcore_id() != eal.main_lcore)
		return -EINVAL;
	RTE_LCORE_FOREACH_WORKER(i)
		if (__atomic_load_n(&eal.lc[i].state, __ATOMIC_ACQUIRE) != WAIT)
			return -EBUSY;
	RTE_LCORE_FOREACH_WORKER(i)
		rte_eal_remote_launch(f, arg, i);
	if (call_main == CALL_MAIN) {
		struct eal_lcore *m = &eal.lc[eal.main_lcore];
		__atomic_store_n(&m->state, RUNNING, __ATOMIC_RELEASE);
		m->ret = f(arg);
		__atomic_store_n(&m->state, WAIT, __ATOMIC_RELEASE);
	}
	return 0;
}

enum rte_lcore_state_t
rte_eal_get_lcore_state(unsigned int worker_id)
{
	if (!eal.up || worker_id >= RTE_MAX_LCORE)
		return WAIT;
	return (enum rte_lcore_state_t)__atomic_load_n(&eal.lc[worker_id].state, __ATOMIC_ACQUIRE);
}

int
rte_eal_wait_lcore(unsigned int worker_id)
{
	struct eal_lcore *l = worker(worker_id);
	int ret;

	if (l == NULL)
		return eal.up && worker_id < RTE_MAX_LCORE ? eal.lc[worker_id].ret : 0;
	pthread_mutex_lock(&l->mu);
	while (l->state == RUNNING)
		pthread_cond_wait(&l->cv, &l->mu);
	ret = l->ret;
	pthread_mutex_unlock(&l->mu);
	return ret;
}

void
rte_eal_mp_wait_lcore(void)
{
	unsigned int i;

	RTE_LCORE_FOREACH_WORKER(i)
		rte_eal_wait_lcore(i);
}

/* ---------------------------------------------------------------- queries */

enum rte_lcore_role_t
rte_eal_lcore_role(unsigned int lcore_id)
{
	if (!eal.up || lcore_id >= RTE_MAX_LCORE)
		return ROLE_OFF;
	/* non-EAL roles change while other threads read them */
	return __atomic_load_n(&eal.lc[lcore_id].role, __ATOMIC_ACQUIRE);
}

int
rte_lcore_has_role(unsigned int lcore_id, enum rte_lcore_role_t role)
{
	if (lcore_id >= RTE_MAX_LCORE)
		return -EINVAL;
	return rte_eal_lcore_role(lcore_id) == role;
}

unsigned int
rte_get_main_lcore(void)
{
	return eal.up ? eal.main_lcore : LCORE_ID_ANY;
}

unsigned int
rte_lcore_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; eal.up && i < RTE_MAX_LCORE; i++)
		n += rte_eal_lcore_role(i) == ROLE_RTE;
	return n;
}

int
rte_lcore_index(int lcore_id)
{
	if (lcore_id >= RTE_MAX_LCORE)
		return -1;
	if (lcore_id < 0) {
		unsigned int self = rte_lcore_id();
		if (self == LCORE_ID_ANY || self >= RTE_MAX_LCORE)
			return -1;
		lcore_id = (int)self;
	}
	return eal.up ? eal.lc[lcore_id].core_index : -1;
}

unsigned int
rte_socket_id(void)
{
	return (unsigned int)hm_socket_id();
}

unsigned int
rte_socket_count(void)
{
	return hm_socket_count();
}

int
rte_socket_id_by_idx(unsigned int idx)
{
	if (idx >= hm_socket_count())
		return eal_err(EINVAL);
	return (int)idx;
}

unsigned int
rte_lcore_to_socket_id(unsigned int lcore_id)
{
	int node = hm_lcore_to_socket_id(lcore_id);

	return node < 0 ? (unsigned int)SOCKET_ID_ANY : (unsigned int)node;
}

int
rte_lcore_to_cpu_id(int lcore_id)
{
	int node, rank = 0;

	if (lcore_id < 0) {
		unsigned int self = rte_lcore_id();
		if (self == LCORE_ID_ANY)
			return -1;
		lcore_id = (int)self;
	}
	if (lcore_id >= RTE_MAX_LCORE || !hm_lcore_is_enabled((unsigned int)lcore_id))
		return -1;
	node = hm_lcore_to_socket_id((unsigned int)lcore_id);
	for (int i = 0; i < lcore_id; i++)
		rank += hm_lcore_is_enabled((unsigned int)i) &&
			hm_lcore_to_socket_id((unsigned int)i) == node;
	return rank;
}

rte_cpuset_t
rte_lcore_cpuset(unsigned int lcore_id)
{
	rte_cpuset_t cs;

	CPU_ZERO(&cs);
	pthread_rwlock_rdlock(&eal.lcore_lock);
	if (rte_eal_lcore_role(lcore_id) != ROLE_OFF)
		cs = eal.lc[lcore_id].cpuset;
	pthread_rwlock_unlock(&eal.lcore_lock);
	return cs;
}

int
rte_lcore_is_enabled(unsigned int lcore_id)
{
	return rte_eal_lcore_role(lcore_id) == ROLE_RTE;
}

unsigned int
rte_get_next_lcore(unsigned int i, int skip_main, int wrap)
{
	i++;
	if (wrap)
		i %= RTE_MAX_LCORE;
	/* at most one lap: DPDK loops forever when no lcore qualifies */
	for (unsigned int steps = 0; i < RTE_MAX_LCORE && steps < RTE_MAX_LCORE; steps++) {
		if (rte_lcore_is_enabled(i) && !(skip_main && i == eal.main_lcore))
			return i;
		i++;
		if (wrap)
			i %= RTE_MAX_LCORE;
	}
	return RTE_MAX_LCORE;
}

/* ---------------------------------------------------------------- callbacks */

/* Run @p cb's init on lcore @p id. pre: lcore_lock held for writing. */
static int
cb_init(const struct lcore_cb *cb, unsigned int id)
{
	return cb->init != NULL ? cb->init(id, cb->arg) : 0;
}

static void
cb_uninit(const struct lcore_cb *cb, unsigned int id)
{
	if (cb->uninit != NULL)
		cb->uninit(id, cb->arg);
}

void *
rte_lcore_callback_register(const char *name, rte_lcore_init_cb init, rte_lcore_uninit_cb uninit,
			    void *arg)
{
	struct lcore_cb *cb, **tail;
	unsigned int done = 0;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	cb = calloc(1, sizeof(*cb));
	if (cb == NULL || (cb->name = strdup(name)) == NULL) {
		free(cb);
		rte_errno = ENOMEM;
		return NULL;
	}
	cb->init = init;
	cb->uninit = uninit;
	cb->arg = arg;
	pthread_rwlock_wrlock(&eal.lcore_lock);
	for (; done < RTE_MAX_LCORE; done++) {
		if (rte_eal_lcore_role(done) == ROLE_OFF)
			continue;
		if (cb_init(cb, done) != 0)
			break;
	}
	if (done < RTE_MAX_LCORE) {
		RTE_LOG(DEBUG, EAL, "lcore callback %s refused lcore %u\n", name, done);
		while (done-- > 0)
			if (rte_eal_lcore_role(done) != ROLE_OFF)
				cb_uninit(cb, done);
		pthread_rwlock_unlock(&eal.lcore_lock);
		free(cb->name);
		free(cb);
		rte_errno = ECANCELED;
		return NULL;
	}
	for (tail = &callbacks; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = cb;
	pthread_rwlock_unlock(&eal.lcore_lock);
	return cb;
}

void
rte_lcore_callback_unregister(void *handle)
{
	struct lcore_cb **pp;

	if (handle == NULL)
		return;
	pthread_rwlock_wrlock(&eal.lcore_lock);
	for (pp = &callbacks; *pp != NULL; pp = &(*pp)->next) {
		struct lcore_cb *cb = *pp;
		if (cb != handle)
			continue;
		for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
			if (rte_eal_lcore_role(i) != ROLE_OFF)
				cb_uninit(cb, i);
		*pp = cb->next;
		free(cb->name);
		free(cb);
		break;
	}
	pthread_rwlock_unlock(&eal.lcore_lock);
}

int
rte_lcore_iterate(rte_lcore_iterate_cb cb, void *arg)
{
	int ret = 0;

	if (cb == NULL)
		return -EINVAL;
	pthread_rwlock_rdlock(&eal.lcore_lock);
	for (unsigned int i = 0; i < RTE_MAX_LCORE && ret == 0; i++)
		if (rte_eal_lcore_role(i) != ROLE_OFF)
			ret = cb(i, arg);
	pthread_rwlock_unlock(&eal.lcore_lock);
	return ret;
}

static const char *
role_name(enum rte_lcore_role_t r)
{
	switch (r) {
	case ROLE_RTE:
		return "RTE";
	case ROLE_SERVICE:
		return "SERVICE";
	case ROLE_NON_EAL:
		return "NON_EAL";
	default:
		return "OFF";
	}
}

void
rte_lcore_dump(FILE *f)
{
	if (f == NULL)
		return;
	pthread_rwlock_rdlock(&eal.lcore_lock);
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		enum rte_lcore_role_t r = rte_eal_lcore_role(i);
		char cpus[256];
		size_t o = 0;

		if (r == ROLE_OFF)
			continue;
		cpus[0] = '\0';
		for (unsigned int c = 0; c < CPU_SETSIZE && o + 8 < sizeof(cpus); c++)
			if (CPU_ISSET(c, &eal.lc[i].cpuset))
				o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%u",
						      o ? "," : "", c);
		fprintf(f, "lcore %u, socket %u, role %s, cpuset %s%s%s\n", i,
			rte_lcore_to_socket_id(i), role_name(r), cpus,
			eal.lc[i].pinned ? "" : " (not pinned)",
			i == eal.main_lcore ? ", main" : "");
	}
	pthread_rwlock_unlock(&eal.lcore_lock);
}

/* ---------------------------------------------------------------- non-EAL threads */

int
rte_thread_register(void)
{
	unsigned int id;
	struct lcore_cb *cb, *failed = NULL;

	if (!eal.up)
		return eal_err(EINVAL);
	if (rte_lcore_id() != LCORE_ID_ANY)
		return 0;
	pthread_rwlock_wrlock(&eal.lcore_lock);
	for (id = 0; id < RTE_MAX_LCORE; id++)
		if (eal.lc[id].role == ROLE_OFF && hm_lcore_is_enabled(id) &&
		    hm_thread_register_id(id) >= 0)
			break;
	if (id == RTE_MAX_LCORE) {
		pthread_rwlock_unlock(&eal.lcore_lock);
		RTE_LOG(DEBUG, EAL, "rte_thread_register: no free lcore\n");
		return eal_err(ENOMEM);
	}
	__atomic_store_n(&eal.lc[id].role, ROLE_NON_EAL, __ATOMIC_RELEASE);
	eal.lc[id].core_index = -1;
	if (pthread_getaffinity_np(pthread_self(), sizeof(rte_cpuset_t), &eal.lc[id].cpuset) != 0)
		CPU_ZERO(&eal.lc[id].cpuset);
	for (cb = callbacks; cb != NULL; cb = cb->next)
		if (cb_init(cb, id) != 0) {
			failed = cb;
			break;
		}
	if (failed != NULL) {
		for (cb = callbacks; cb != failed; cb = cb->next)
			cb_uninit(cb, id);
		__atomic_store_n(&eal.lc[id].role, ROLE_OFF, __ATOMIC_RELEASE);
		pthread_rwlock_unlock(&eal.lcore_lock);
		hm_thread_unregister();
		RTE_LOG(DEBUG, EAL, "rte_thread_register: callback %s refused lcore %u\n",
			failed->name, id);
		return eal_err(ENOMEM);
	}
	pthread_rwlock_unlock(&eal.lcore_lock);
	return 0;
}

void
rte_thread_unregister(void)
{
	unsigned int id = rte_lcore_id();

	if (!eal.up || id >= RTE_MAX_LCORE)
		return;
	pthread_rwlock_wrlock(&eal.lcore_lock);
	if (eal.lc[id].role != ROLE_NON_EAL) {
		pthread_rwlock_unlock(&eal.lcore_lock);
		return;
	}
	for (struct lcore_cb *cb = callbacks; cb != NULL; cb = cb->next)
		cb_uninit(cb, id);
	__atomic_store_n(&eal.lc[id].role, ROLE_OFF, __ATOMIC_RELEASE);
	CPU_ZERO(&eal.lc[id].cpuset);
	pthread_rwlock_unlock(&eal.lcore_lock);
	hm_thread_unregister();
}
