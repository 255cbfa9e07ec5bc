/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's telemetry commands, registered through the public API the
 * first time a device is created (the core knows nothing of the simulator):
 *   /hugemem/nic/list          ids of the live devices
 *   /hugemem/nic/stats,<id>    its counters: frames in, drops by cause (missed:
 *                              no armed descriptor, oversize, no queue, ring and
 *                              DMA faults, errors), faults injected, what the
 *                              transmit engine sent (tx_packets, tx_bytes,
 *                              tx_errors: sink full or failing, DMA errors,
 *                              malformed), per queue
 * A device is in the table from hm_nic_create to hm_nic_free; the table's lock
 * is held while a command reads a device, so freeing one waits for the reader.
 * Counters are read with hm_nic_stats_get (relaxed atomics: the device thread
 * keeps counting).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/telemetry.h"
#include "nic_i.h"

#define MAX_NICS 64

static struct {
	pthread_mutex_t lock;
	const struct hm_nic *nics[MAX_NICS]; /* NULL: free slot; the index is the id */
} tab = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
nic_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_INT);
	pthread_mutex_lock(&tab.lock);
	for (int i = 0; i < MAX_NICS; i++)
		if (tab.nics[i] != NULL)
			hm_telemetry_data_add_array_int(d, i);
	pthread_mutex_unlock(&tab.lock);
	return 0;
}

/* What the sink did not take or the device could not send (ethdev's oerrors
 * without the driver's own refusals). */
static uint64_t
tx_errors(const struct hm_nic_txq_stats *t)
{
	return t->sink_full + t->sink_errors + t->dma_errors + t->malformed;
}

static void
queue_dict(struct hm_telemetry_data *q, const struct hm_nic_queue_stats *s,
	   const struct hm_nic_txq_stats *t)
{
	hm_telemetry_data_start_dict(q);
	hm_telemetry_data_add_dict_u64(q, "frames", s->frames);
	hm_telemetry_data_add_dict_u64(q, "packets", s->packets);
	hm_telemetry_data_add_dict_u64(q, "bytes", s->bytes);
	hm_telemetry_data_add_dict_u64(q, "missed", s->missed);
	hm_telemetry_data_add_dict_u64(q, "errors", s->errors);
	hm_telemetry_data_add_dict_u64(q, "ring_faults", s->ring_faults);
	hm_telemetry_data_add_dict_u64(q, "dma_faults", s->dma_faults);
	hm_telemetry_data_add_dict_u64(q, "descs", s->descs);
	hm_telemetry_data_add_dict_u64(q, "tx_packets", t->packets);
	hm_telemetry_data_add_dict_u64(q, "tx_bytes", t->bytes);
	hm_telemetry_data_add_dict_u64(q, "tx_errors", tx_errors(t));
}

static int
nic_stats(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct hm_nic_stats *st;
	struct hm_nic_txq_stats *tx;
	uint64_t tx_packets = 0, tx_bytes = 0, tx_err = 0;
	uint64_t missed = 0, errors = 0, ring = 0, dma = 0, packets = 0, bytes = 0;
	char *end;
	long id;
	int nq, node;

	(void)cmd;
	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -1;
	id = strtol(params, &end, 10);
	if (*end != '\0' || id < 0 || id >= MAX_NICS)
		return -1;
	st = malloc(sizeof(*st));
	tx = calloc(HM_NIC_MAX_QUEUES, sizeof(*tx));
	if (st == NULL || tx == NULL) {
		free(st);
		free(tx);
		return -1;
	}
	pthread_mutex_lock(&tab.lock);
	if (tab.nics[id] == NULL) {
		pthread_mutex_unlock(&tab.lock);
		free(st);
		free(tx);
		return -1;
	}
	hm_nic_stats_get(tab.nics[id], st);
	nq = hm_nic_nb_queues(tab.nics[id]);
	node = hm_nic_numa_node(tab.nics[id]);
	for (int q = 0; q < nq; q++) /* a queue not set up reads zeros */
		hm_nic_txq_stats_get(tab.nics[id], (unsigned int)q, &tx[q]);
	pthread_mutex_unlock(&tab.lock);
	for (int q = 0; q < nq; q++) {
		tx_packets += tx[q].packets;
		tx_bytes += tx[q].bytes;
		tx_err += tx_errors(&tx[q]);
		missed += st->q[q].missed;
		errors += st->q[q].errors;
		ring += st->q[q].ring_faults;
		dma += st->q[q].dma_faults;
		packets += st->q[q].packets;
		bytes += st->q[q].bytes;
	}
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_int(d, "numa_node", node);
	hm_telemetry_data_add_dict_int(d, "queues", nq);
	hm_telemetry_data_add_dict_u64(d, "frames_in", st->frames_in);
	hm_telemetry_data_add_dict_u64(d, "packets", packets);
	hm_telemetry_data_add_dict_u64(d, "bytes", bytes);
	hm_telemetry_data_add_dict_u64(d, "rx_missed", missed);
	hm_telemetry_data_add_dict_u64(d, "oversize", st->oversize);
	hm_telemetry_data_add_dict_u64(d, "no_queue", st->no_queue);
	hm_telemetry_data_add_dict_u64(d, "errors", errors);
	hm_telemetry_data_add_dict_u64(d, "ring_faults", ring);
	hm_telemetry_data_add_dict_u64(d, "dma_faults", dma);
	hm_telemetry_data_add_dict_u64(d, "faults_injected", st->faults_injected);
	hm_telemetry_data_add_dict_u64(d, "tx_packets", tx_packets);
	hm_telemetry_data_add_dict_u64(d, "tx_bytes", tx_bytes);
	hm_telemetry_data_add_dict_u64(d, "tx_errors", tx_err);
	for (int q = 0; q < nq; q++) {
		struct hm_telemetry_data *qd = hm_telemetry_data_alloc();
		char name[32];
		if (qd == NULL)
			break;
		queue_dict(qd, &st->q[q], &tx[q]);
		snprintf(name, sizeof(name), "queue_%d", q);
		hm_telemetry_data_add_dict_container(d, name, qd, 0);
	}
	free(st);
	free(tx);
	return 0;
}

static void
register_once(void)
{
	/* -EEXIST cannot happen (once per process); other failures leave the
	 * device working, just not visible */
	hm_telemetry_register_cmd("/hugemem/nic/list", nic_list,
				  "Returns the ids of the fake NICs. Takes no parameters");
	hm_telemetry_register_cmd("/hugemem/nic/stats", nic_stats,
				  "Returns a fake NIC's counters: drops by cause, faults, TX, per queue. "
				  "Parameters: int nic id");
}

void
hm_nic_telemetry_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, register_once);
}

void
nic_tel_add(const struct hm_nic *nic)
{
	hm_nic_telemetry_register();
	pthread_mutex_lock(&tab.lock);
	for (int i = 0; i < MAX_NICS; i++)
		if (tab.nics[i] == NULL) {
			tab.nics[i] = nic;
			break;
		}
	pthread_mutex_unlock(&tab.lock);
}

void
nic_tel_remove(const struct hm_nic *nic)
{
	pthread_mutex_lock(&tab.lock);
	for (int i = 0; i < MAX_NICS; i++)
		if (tab.nics[i] == nic)
			tab.nics[i] = NULL;
	pthread_mutex_unlock(&tab.lock);
}
