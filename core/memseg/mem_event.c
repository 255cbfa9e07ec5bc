/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory event callbacks and alloc validators (DPDK's rte_mem_event_callback_*
 * and rte_mem_alloc_validator_*): two small process-local lists that memseg
 * consults while it holds the memory hotplug lock for writing.
 *
 * Registration takes the hotplug write lock too, so a list never changes while
 * it is being walked. Entries are kept in registration order.
 *
 * Invariants: no two event entries share (name, arg); no two validator entries
 * share (name, socket).
 */
#include <string.h>

#include "memseg_i.h"

struct event_cb {
	char name[HM_MEM_EVENT_NAME_LEN];
	hm_mem_event_fn fn;
	void *arg;
};

struct validator {
	char name[HM_MEM_EVENT_NAME_LEN];
	hm_mem_alloc_validator_fn fn;
	int socket;
	size_t limit;
};

static struct {
	struct event_cb *cb;
	unsigned int n_cb, cap_cb;
	struct validator *val;
	unsigned int n_val, cap_val;
} ev;

/* Common checks; on success the write lock is held. */
static int
lock_for(const char *name, bool need_fn, const void *fn, const char *what)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int rc;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (name == NULL || name[0] == '\0' || (need_fn && fn == NULL))
		return hm_fail(EINVAL, "%s: NULL or empty name%s", what,
			       need_fn ? ", or NULL callback" : "");
	if (strnlen(name, HM_MEM_EVENT_NAME_LEN) >= HM_MEM_EVENT_NAME_LEN)
		return hm_fail(ENAMETOOLONG, "%s: name longer than %d characters", what,
			       HM_MEM_EVENT_NAME_LEN - 1);
	if (mcfg->legacy_mem)
		return hm_fail(ENOTSUP, "%s: memory never changes in legacy mode", what);
	rc = memseg_write_lock();
	return rc;
}

/* Room for one more entry of @p sz bytes in *@p arr. */
static int
grow(void **arr, unsigned int n, unsigned int *cap, size_t sz)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (size_t)(*cap ? *cap * 2 : 8) * sz);
	if (p == NULL)
		return hm_fail(ENOMEM, "memory events: out of memory");
	*arr = p;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

int
hm_mem_event_callback_register(const char *name, hm_mem_event_fn fn, void *arg)
{
	int rc = lock_for(name, true, (const void *)(uintptr_t)fn, "mem event register");

	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < ev.n_cb; i++)
		if (ev.cb[i].arg == arg && strcmp(ev.cb[i].name, name) == 0) {
			rc = hm_fail(EEXIST, "mem event register: '%s' is registered with "
				     "that argument", name);
			goto out;
		}
	rc = grow((void **)&ev.cb, ev.n_cb, &ev.cap_cb, sizeof(*ev.cb));
	if (rc < 0)
		goto out;
	memset(&ev.cb[ev.n_cb], 0, sizeof(ev.cb[0]));
	strcpy(ev.cb[ev.n_cb].name, name);
	ev.cb[ev.n_cb].fn = fn;
	ev.cb[ev.n_cb].arg = arg;
	ev.n_cb++;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_mem_event_callback_unregister(const char *name, void *arg)
{
	int rc = lock_for(name, false, NULL, "mem event unregister");

	if (rc < 0)
		return rc;
	rc = hm_fail(ENOENT, "mem event unregister: no callback '%s' with that argument", name);
	for (unsigned int i = 0; i < ev.n_cb; i++)
		if (ev.cb[i].arg == arg && strcmp(ev.cb[i].name, name) == 0) {
			memmove(&ev.cb[i], &ev.cb[i + 1], (ev.n_cb - i - 1) * sizeof(ev.cb[0]));
			ev.n_cb--;
			rc = 0;
			break;
		}
	memseg_write_unlock();
	return rc;
}

int
hm_mem_alloc_validator_register(const char *name, hm_mem_alloc_validator_fn fn, int socket_id,
				size_t limit)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int rc;

	if (mcfg != NULL && (socket_id < 0 || (unsigned int)socket_id >= mcfg->n_nodes))
		return hm_fail(EINVAL, "alloc validator register: node %d does not exist",
			       socket_id);
	rc = lock_for(name, true, (const void *)(uintptr_t)fn, "alloc validator register");
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < ev.n_val; i++)
		if (ev.val[i].socket == socket_id && strcmp(ev.val[i].name, name) == 0) {
			rc = hm_fail(EEXIST, "alloc validator register: '%s' already watches "
				     "node %d", name, socket_id);
			goto out;
		}
	rc = grow((void **)&ev.val, ev.n_val, &ev.cap_val, sizeof(*ev.val));
	if (rc < 0)
		goto out;
	memset(&ev.val[ev.n_val], 0, sizeof(ev.val[0]));
	strcpy(ev.val[ev.n_val].name, name);
	ev.val[ev.n_val].fn = fn;
	ev.val[ev.n_val].socket = socket_id;
	ev.val[ev.n_val].limit = limit;
	ev.n_val++;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_mem_alloc_validator_unregister(const char *name, int socket_id)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int rc;

	if (mcfg != NULL && (socket_id < 0 || (unsigned int)socket_id >= mcfg->n_nodes))
		return hm_fail(EINVAL, "alloc validator unregister: node %d does not exist",
			       socket_id);
	rc = lock_for(name, false, NULL, "alloc validator unregister");
	if (rc < 0)
		return rc;
	rc = hm_fail(ENOENT, "alloc validator unregister: no validator '%s' on node %d", name,
		     socket_id);
	for (unsigned int i = 0; i < ev.n_val; i++)
		if (ev.val[i].socket == socket_id && strcmp(ev.val[i].name, name) == 0) {
			memmove(&ev.val[i], &ev.val[i + 1], (ev.n_val - i - 1) * sizeof(ev.val[0]));
			ev.n_val--;
			rc = 0;
			break;
		}
	memseg_write_unlock();
	return rc;
}

void
mem_event_notify(enum hm_mem_event e, const void *addr, size_t len)
{
	memseg_rd_depth++;
	for (unsigned int i = 0; i < ev.n_cb; i++)
		ev.cb[i].fn(e, addr, len, ev.cb[i].arg);
	memseg_rd_depth--;
}

int
mem_alloc_validate(int socket, uint64_t new_len)
{
	int rc = 0;

	memseg_rd_depth++;
	for (unsigned int i = 0; i < ev.n_val && rc == 0; i++)
		if (ev.val[i].socket == socket && new_len >= ev.val[i].limit &&
		    ev.val[i].fn(socket, ev.val[i].limit, (size_t)new_len) < 0)
			rc = -1;
	memseg_rd_depth--;
	return rc;
}

void
mem_event_fini(void)
{
	free(ev.cb);
	free(ev.val);
	memset(&ev, 0, sizeof(ev));
}
