/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_malloc.h over hugemem's heaps. struct rte_malloc_socket_stats is copied
 * field by field from struct hm_malloc_socket_stats (which has more); the differences of argument
 * conventions (realloc to 0 frees; EPERM for the nodes' heaps; name errors are
 * EINVAL) are DPDK's, applied here.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_memory.h>

#include "dpdk_i.h"
#include "hugemem/init.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"

static void *
ret_ptr(void *p)
{
	if (p == NULL)
		rte_errno = hm_errno;
	return p;
}

void *
rte_malloc(const char *type, size_t size, unsigned int align)
{
	return ret_ptr(hm_malloc(type, size, align));
}

void *
rte_zmalloc(const char *type, size_t size, unsigned int align)
{
	return ret_ptr(hm_zmalloc(type, size, align));
}

void *
rte_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	return ret_ptr(hm_calloc(type, num, size, align));
}

void *
rte_realloc(void *ptr, size_t size, unsigned int align)
{
	return rte_realloc_socket(ptr, size, align, SOCKET_ID_ANY);
}

void *
rte_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
{
	if (size == 0 && ptr != NULL) {
		/* DPDK: "If this is 0, memory is freed" */
		rte_free(ptr);
		return NULL;
	}
	return ret_ptr(hm_realloc_socket(ptr, size, align, socket));
}

void *
rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	return ret_ptr(hm_malloc_socket(type, size, align, socket));
}

void *
rte_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	return ret_ptr(hm_zmalloc_socket(type, size, align, socket));
}

void *
rte_calloc_socket(const char *type, size_t num, size_t size, unsigned int align, int socket)
{
	return ret_ptr(hm_calloc_socket(type, num, size, align, socket));
}

void
rte_free(void *ptr)
{
	int rc = hm_free(ptr);

	if (rc < 0) {
		rte_errno = -rc;
		RTE_LOG(ERR, EAL, "Error: Invalid memory (%s)\n", hm_last_error());
	}
}

int
rte_malloc_validate(const void *ptr, size_t *size)
{
	int rc = ptr != NULL ? hm_malloc_validate(ptr, size) : -EINVAL;

	return rc < 0 ? eal_err(-rc) : 0;
}

int
rte_malloc_get_socket_stats(int socket, struct rte_malloc_socket_stats *socket_stats)
{
	struct hm_malloc_socket_stats st;
	int rc;

	if (socket_stats == NULL)
		return eal_err(EINVAL);
	rc = hm_malloc_get_socket_stats(socket, &st);
	if (rc < 0)
		return eal_err(-rc);
	socket_stats->heap_totalsz_bytes = st.heap_totalsz_bytes;
	socket_stats->heap_freesz_bytes = st.heap_freesz_bytes;
	socket_stats->greatest_free_size = st.greatest_free_size;
	socket_stats->free_count = st.free_count;
	socket_stats->alloc_count = st.alloc_count;
	socket_stats->heap_allocsz_bytes = st.heap_allocsz_bytes;
	return 0;
}

/* 0 for an external heap's name; -1 with rte_errno EINVAL (bad name), ENOENT
 * (no heap), EPERM (a node's heap), ENODEV. */
static int
external_heap(const char *name)
{
	int sock;

	if (name == NULL || name[0] == '\0' ||
	    strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return eal_err(EINVAL);
	sock = hm_malloc_heap_get_socket(name);
	if (sock < 0)
		return eal_err(-sock);
	if (hm_malloc_heap_socket_is_external(sock) != 1)
		return eal_err(EPERM);
	return 0;
}

int
rte_malloc_heap_memory_add(const char *heap_name, void *va_addr, size_t len,
			   rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz)
{
	int rc;

	if (external_heap(heap_name) < 0)
		return -1;
	rc = hm_malloc_heap_memory_add(heap_name, va_addr, len, iova_addrs,
				       iova_addrs != NULL ? n_pages : 0, page_sz);
	return rc < 0 ? eal_err(-rc) : 0;
}

int
rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr, size_t len)
{
	int rc;

	if (external_heap(heap_name) < 0)
		return -1;
	if (va_addr == NULL || len == 0)
		return eal_err(EINVAL);
	rc = hm_malloc_heap_memory_remove(heap_name, va_addr, len);
	return rc < 0 ? eal_err(-rc) : 0;
}

/* Every process sees every heap's memory: attach / detach check that
 * [va, va+len) is memory of that heap. */
static int
heap_region(const char *heap_name, void *va_addr, size_t len)
{
	struct hm_memseg_list *msl;

	if (external_heap(heap_name) < 0)
		return -1;
	if (va_addr == NULL || len == 0)
		return eal_err(EINVAL);
	msl = hm_mem_virt2memseg_list(va_addr);
	if (msl == NULL || !msl->external || !msl->heap || msl->base_va != va_addr ||
	    msl->len != len || msl->socket_id != hm_malloc_heap_get_socket(heap_name))
		return eal_err(ENOENT);
	return 0;
}

int
rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr, size_t len)
{
	return heap_region(heap_name, va_addr, len);
}

int
rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr, size_t len)
{
	return heap_region(heap_name, va_addr, len);
}

int
rte_malloc_heap_create(const char *heap_name)
{
	int rc = hm_malloc_heap_create(heap_name);

	/* DPDK: a NULL, empty or too long name is EINVAL */
	return rc == -ENAMETOOLONG ? eal_err(EINVAL) : rc < 0 ? eal_err(-rc) : 0;
}

int
rte_malloc_heap_destroy(const char *heap_name)
{
	int rc;

	if (external_heap(heap_name) < 0)
		return -1;
	rc = hm_malloc_heap_destroy(heap_name);
	return rc < 0 ? eal_err(-rc) : 0;
}

int
rte_malloc_heap_get_socket(const char *name)
{
	int rc;

	if (name == NULL || name[0] == '\0' ||
	    strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return eal_err(EINVAL);
	rc = hm_malloc_heap_get_socket(name);
	return rc < 0 ? eal_err(-rc) : rc;
}

int
rte_malloc_heap_socket_is_external(int socket_id)
{
	struct hm_malloc_socket_stats st;

	if (socket_id == SOCKET_ID_ANY)
		return 0;
	if (hm_malloc_get_socket_stats(socket_id, &st) < 0)
		return eal_err(EINVAL);
	return hm_malloc_heap_socket_is_external(socket_id) == 1;
}

void
rte_malloc_dump_stats(FILE *f, const char *type)
{
	(void)type; /* DPDK ignores it too */
	if (f != NULL)
		hm_malloc_dump_stats(f);
}

void
rte_malloc_dump_heaps(FILE *f)
{
	if (f != NULL)
		hm_malloc_dump_heaps(f);
}

rte_iova_t
rte_malloc_virt2iova(const void *addr)
{
	return hm_malloc_virt2iova(addr);
}
