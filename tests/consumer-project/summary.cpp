// The consumer's C++ part: public hugemem headers and inline paths from C++17.
#include "summary.h"

#include "hugemem/hugemem.h"
#include "hugemem/sim/traffic.h"

extern "C" void
summary_add(struct summary *s, const struct hm_mbuf *m)
{
	struct hm_traffic_meta meta;
	const void *data = hm_pktmbuf_mtod(m, const void *);

	s->packets++;
	s->bytes += m->pkt_len;
	for (const struct hm_mbuf *seg = m; seg != nullptr; seg = seg->next)
		s->segments++;
	if (hm_traffic_verify(data, m->data_len, &meta) != 0)
		s->bad++;
	static_assert(HM_ALIGN_CEIL(uint64_t{100}, 64) == 128, "macros work in C++");
}
