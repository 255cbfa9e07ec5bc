/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private declarations shared by the emu backend's files: the number and size
 * parsers that the topology string and the fault spec have in common.
 */
#ifndef HUGEMEM_EMU_I_H
#define HUGEMEM_EMU_I_H

#include <stdint.h>

#include "common_i.h"

/*
 * Parse an emulated page size ("4K", "2M", "1G", any form hm_parse_size takes)
 * that is a power of two in [HM_EMU_MIN_PAGE_SZ, HM_EMU_MAX_PAGE_SZ].
 * @return 0 or -EINVAL; records no message (the caller knows the context).
 */
HM_INTERNAL int emu_parse_page_size(const char *s, uint64_t *out);

/*
 * Parse the decimal @p val of @p what into [min, max]. On failure records
 * "<ctx>: <what> '<val>' is not a decimal number|is out of range (valid: min..max)".
 * @return 0 or -EINVAL.
 */
HM_INTERNAL int emu_parse_num(const char *ctx, const char *what, const char *val,
			      uint64_t min, uint64_t max, uint64_t *out);

#endif /* HUGEMEM_EMU_I_H */
