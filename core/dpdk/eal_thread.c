/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_thread.h (DPDK 22.11's thread API) on pthreads, thread names and control
 * threads. The rte_thread_* functions return positive errno values, the TLS
 * key functions -1 and rte_errno, as DPDK documents them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_thread.h>

#include "dpdk_i.h"

struct eal_tls_key {
	pthread_key_t key;
};

struct thread_start {
	rte_thread_func func;
	void *arg;
};

static void *
thread_main(void *p)
{
	struct thread_start ts = *(struct thread_start *)p;

	free(p);
	return (void *)(uintptr_t)ts.func(ts.arg);
}

static bool
cpuset_empty(const rte_cpuset_t *s)
{
	return CPU_COUNT(s) == 0;
}

static int
priority_params(enum rte_thread_priority prio, int *policy, struct sched_param *sp)
{
	memset(sp, 0, sizeof(*sp));
	switch (prio) {
	case RTE_THREAD_PRIORITY_NORMAL:
		*policy = SCHED_OTHER;
		return 0;
	case RTE_THREAD_PRIORITY_REALTIME_CRITICAL:
		*policy = SCHED_RR;
		sp->sched_priority = sched_get_priority_max(SCHED_RR);
		return 0;
	}
	return EINVAL;
}

int
rte_thread_create(rte_thread_t *thread_id, const rte_thread_attr_t *thread_attr,
		  rte_thread_func thread_func, void *arg)
{
	struct thread_start *ts;
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (thread_id == NULL || thread_func == NULL)
		return EINVAL;
	ts = malloc(sizeof(*ts));
	if (ts == NULL)
		return ENOMEM;
	ts->func = thread_func;
	ts->arg = arg;
	pthread_attr_init(&at);
	if (thread_attr != NULL) {
		struct sched_param sp;
		int policy;

		rc = priority_params(thread_attr->priority, &policy, &sp);
		if (rc == 0 && thread_attr->priority != RTE_THREAD_PRIORITY_NORMAL) {
			pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED);
			pthread_attr_setschedpolicy(&at, policy);
			rc = pthread_attr_setschedparam(&at, &sp);
		}
		if (rc == 0 && !cpuset_empty(&thread_attr->cpuset))
			rc = pthread_attr_setaffinity_np(&at, sizeof(rte_cpuset_t),
							 &thread_attr->cpuset);
		if (rc != 0) {
			pthread_attr_destroy(&at);
			free(ts);
			return rc;
		}
	}
	rc = pthread_create(&t, &at, thread_main, ts);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		free(ts);
		return rc;
	}
	thread_id->opaque_id = (uintptr_t)t;
	return 0;
}

int
rte_thread_join(rte_thread_t thread_id, uint32_t *value_ptr)
{
	void *res;
	int rc = pthread_join((pthread_t)thread_id.opaque_id, &res);

	if (rc == 0 && value_ptr != NULL)
		*value_ptr = (uint32_t)(uintptr_t)res;
	return rc;
}

int
rte_thread_detach(rte_thread_t thread_id)
{
	return pthread_detach((pthread_t)thread_id.opaque_id);
}

rte_thread_t
rte_thread_self(void)
{
	rte_thread_t t = { (uintptr_t)pthread_self() };

	return t;
}

int
rte_thread_equal(rte_thread_t t1, rte_thread_t t2)
{
	return pthread_equal((pthread_t)t1.opaque_id, (pthread_t)t2.opaque_id);
}

int
rte_thread_attr_init(rte_thread_attr_t *attr)
{
	if (attr == NULL)
		return EINVAL;
	attr->priority = RTE_THREAD_PRIORITY_NORMAL;
	CPU_ZERO(&attr->cpuset);
	return 0;
}

int
rte_thread_attr_set_priority(rte_thread_attr_t *thread_attr, enum rte_thread_priority priority)
{
	if (thread_attr == NULL || (priority != RTE_THREAD_PRIORITY_NORMAL &&
				    priority != RTE_THREAD_PRIORITY_REALTIME_CRITICAL))
		return EINVAL;
	thread_attr->priority = priority;
	return 0;
}

int
rte_thread_attr_set_affinity(rte_thread_attr_t *thread_attr, rte_cpuset_t *cpuset)
{
	if (thread_attr == NULL || cpuset == NULL)
		return EINVAL;
	thread_attr->cpuset = *cpuset;
	return 0;
}

int
rte_thread_attr_get_affinity(rte_thread_attr_t *thread_attr, rte_cpuset_t *cpuset)
{
	if (thread_attr == NULL || cpuset == NULL)
		return EINVAL;
	*cpuset = thread_attr->cpuset;
	return 0;
}

int
rte_thread_set_affinity_by_id(rte_thread_t thread_id, const rte_cpuset_t *cpuset)
{
	if (cpuset == NULL)
		return EINVAL;
	return pthread_setaffinity_np((pthread_t)thread_id.opaque_id, sizeof(*cpuset), cpuset);
}

int
rte_thread_get_affinity_by_id(rte_thread_t thread_id, rte_cpuset_t *cpuset)
{
	if (cpuset == NULL)
		return EINVAL;
	return pthread_getaffinity_np((pthread_t)thread_id.opaque_id, sizeof(*cpuset), cpuset);
}

int
rte_thread_set_affinity(rte_cpuset_t *cpusetp)
{
	unsigned int id = rte_lcore_id();

	if (cpusetp == NULL || pthread_setaffinity_np(pthread_self(), sizeof(*cpusetp), cpusetp) != 0)
		return -1;
	if (eal.up && id < RTE_MAX_LCORE) {
		pthread_rwlock_wrlock(&eal.lcore_lock);
		eal.lc[id].cpuset = *cpusetp;
		eal.lc[id].pinned = true;
		pthread_rwlock_unlock(&eal.lcore_lock);
	}
	return 0;
}

void
rte_thread_get_affinity(rte_cpuset_t *cpusetp)
{
	if (pthread_getaffinity_np(pthread_self(), sizeof(*cpusetp), cpusetp) != 0)
		CPU_ZERO(cpusetp);
}

int
rte_thread_get_priority(rte_thread_t thread_id, enum rte_thread_priority *priority)
{
	struct sched_param sp;
	int policy, rc;

	if (priority == NULL)
		return EINVAL;
	rc = pthread_getschedparam((pthread_t)thread_id.opaque_id, &policy, &sp);
	if (rc != 0)
		return rc;
	*priority = (policy == SCHED_RR || policy == SCHED_FIFO) ?
		RTE_THREAD_PRIORITY_REALTIME_CRITICAL : RTE_THREAD_PRIORITY_NORMAL;
	return 0;
}

int
rte_thread_set_priority(rte_thread_t thread_id, enum rte_thread_priority priority)
{
	struct sched_param sp;
	int policy, rc;

	rc = priority_params(priority, &policy, &sp);
	if (rc != 0)
		return rc;
	return pthread_setschedparam((pthread_t)thread_id.opaque_id, policy, &sp);
}

int
rte_thread_key_create(rte_thread_key *key, void (*destructor)(void *))
{
	struct eal_tls_key *k;

	if (key == NULL)
		return eal_err(EINVAL);
	k = malloc(sizeof(*k));
	if (k == NULL)
		return eal_err(ENOMEM);
	if (pthread_key_create(&k->key, destructor) != 0) {
		free(k);
		*key = NULL;
		return eal_err(ENOEXEC);
	}
	*key = k;
	return 0;
}

int
rte_thread_key_delete(rte_thread_key key)
{
	if (key == NULL)
		return eal_err(EINVAL);
	if (pthread_key_delete(key->key) != 0) {
		free(key);
		return eal_err(ENOEXEC);
	}
	free(key);
	return 0;
}

int
rte_thread_value_set(rte_thread_key key, const void *value)
{
	if (key == NULL)
		return eal_err(EINVAL);
	if (pthread_setspecific(key->key, value) != 0)
		return eal_err(ENOEXEC);
	return 0;
}

void *
rte_thread_value_get(rte_thread_key key)
{
	if (key == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return pthread_getspecific(key->key);
}

/* ---------------------------------------------------------------- names, control threads */

int
rte_thread_setname(pthread_t id, const char *name)
{
	char n[RTE_MAX_THREAD_NAME_LEN];

	if (name == NULL)
		return -EINVAL;
	snprintf(n, sizeof(n), "%s", name);
	return -pthread_setname_np(id, n);
}

int
rte_thread_getname(pthread_t id, char *name, size_t len)
{
	if (name == NULL || len == 0)
		return -EINVAL;
	return -pthread_getname_np(id, name, len);
}

struct ctrl_start {
	void *(*fn)(void *);
	void *arg;
	rte_cpuset_t cpus;
};

static void *
ctrl_main(void *p)
{
	struct ctrl_start cs = *(struct ctrl_start *)p;

	free(p); /* the new thread's: the creator does not wait for it */
	pthread_setaffinity_np(pthread_self(), sizeof(cs.cpus), &cs.cpus);
	return cs.fn(cs.arg);
}

int
rte_ctrl_thread_create(pthread_t *thread, const char *name, const pthread_attr_t *attr,
		       void *(*start_routine)(void *), void *arg)
{
	struct ctrl_start *cs;
	rte_cpuset_t base;
	int rc;

	if (thread == NULL || name == NULL || start_routine == NULL)
		return -EINVAL;
	cs = malloc(sizeof(*cs));
	if (cs == NULL)
		return -ENOMEM;
	cs->fn = start_routine;
	cs->arg = arg;
	/* the CPUs rte_eal_init found, minus those of the pinned EAL lcores */
	CPU_ZERO(&base);
	if (eal.up)
		base = eal.init_affinity;
	else if (pthread_getaffinity_np(pthread_self(), sizeof(base), &base) != 0)
		CPU_ZERO(&base);
	cs->cpus = base;
	for (unsigned int i = 0; eal.up && i < RTE_MAX_LCORE; i++)
		if (rte_eal_lcore_role(i) == ROLE_RTE && eal.lc[i].pinned)
			for (unsigned int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &eal.lc[i].cpuset))
					CPU_CLR(c, &cs->cpus);
	if (CPU_COUNT(&cs->cpus) == 0)
		cs->cpus = base;
	if (CPU_COUNT(&cs->cpus) == 0)
		CPU_SET(0, &cs->cpus);
	rc = pthread_create(thread, attr, ctrl_main, cs);
	if (rc != 0) {
		free(cs);
		return -rc;
	}
	rte_thread_setname(*thread, name);
	return 0;
}
