/* SPDX-License-Identifier: BSD-3-Clause */
/* hugemem: one include for the whole public API. */
#ifndef HUGEMEM_H
#define HUGEMEM_H

#include "hugemem/common.h"
#include "hugemem/lock.h"
#include "hugemem/fbarray.h"
#include "hugemem/backend.h"
#include "hugemem/memseg.h"
#include "hugemem/lcore.h"
#include "hugemem/malloc.h"
#include "hugemem/memzone.h"
#include "hugemem/ring.h"
#include "hugemem/mempool.h"
#include "hugemem/mbuf.h"
#include "hugemem/telemetry.h"
#include "hugemem/heapmap.h"
#include "hugemem/init.h"
#include "hugemem/mp.h"
#include "hugemem/testing.h"

#endif
