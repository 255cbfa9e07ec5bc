/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link types of capture files: their names (for messages) and the Ethernet
 * wrapping the replay source applies to records that are not Ethernet
 * (pcap.h has the rules). The wrapped frame is the 14-byte header followed by
 * the record's network-layer bytes, so its length is len - link header + 14.
 */
#include <errno.h>

#include "common_i.h"
#include "pcap_i.h"
#include "traffic_i.h"

#define ETHERTYPE_IPV6 0x86ddu
#define SLL_HLEN 16u
#define SLL2_HLEN 20u
#define LOOP_HLEN 4u

static const struct {
	uint32_t lt;
	const char *name;
} names[] = {
	{ 0, "NULL" },
	{ 1, "ETHERNET" },
	{ 3, "AX25" },
	{ 6, "IEEE802_5" },
	{ 7, "ARCNET_BSD" },
	{ 8, "SLIP" },
	{ 9, "PPP" },
	{ 10, "FDDI" },
	{ 12, "RAW" },
	{ 14, "RAW" },
	{ 50, "PPP_HDLC" },
	{ 51, "PPP_ETHER" },
	{ 100, "ATM_RFC1483" },
	{ 101, "RAW" },
	{ 104, "C_HDLC" },
	{ 105, "IEEE802_11" },
	{ 107, "FRELAY" },
	{ 108, "LOOP" },
	{ 113, "LINUX_SLL" },
	{ 114, "LTALK" },
	{ 117, "PFLOG" },
	{ 119, "IEEE802_11_PRISM" },
	{ 122, "IP_OVER_FC" },
	{ 127, "IEEE802_11_RADIOTAP" },
	{ 138, "APPLE_IP_OVER_IEEE1394" },
	{ 143, "DOCSIS" },
	{ 163, "IEEE802_11_AVS" },
	{ 187, "BLUETOOTH_HCI_H4" },
	{ 189, "USB_LINUX" },
	{ 192, "PPI" },
	{ 195, "IEEE802_15_4_WITHFCS" },
	{ 197, "ERF" },
	{ 201, "BLUETOOTH_HCI_H4_WITH_PHDR" },
	{ 215, "IEEE802_15_4_NONASK_PHY" },
	{ 220, "USB_LINUX_MMAPPED" },
	{ 227, "CAN_SOCKETCAN" },
	{ 228, "IPV4" },
	{ 229, "IPV6" },
	{ 230, "IEEE802_15_4_NOFCS" },
	{ 235, "DVB_CI" },
	{ 239, "NFLOG" },
	{ 240, "NETANALYZER" },
	{ 249, "USBPCAP" },
	{ 253, "NETLINK" },
	{ 254, "BLUETOOTH_LINUX_MONITOR" },
	{ 263, "VSOCK" },
	{ 276, "LINUX_SLL2" },
	{ 277, "FRELAY_WITH_PHDR" },
	{ 283, "ETW" },
	{ 290, "NETANALYZER_NG" },
};

const char *
hm_pcap_linktype_name(uint32_t lt)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].lt == lt)
			return names[i].name;
	if (lt >= 147 && lt <= 162)
		return "USER";
	return NULL;
}

bool
hm_pcap_linktype_supported(uint32_t lt)
{
	return linktype_hlen(lt) >= 0;
}

/* Ethertype of an IP packet by its version nibble; @p other when neither. */
static uint16_t
by_version(const uint8_t *ip, size_t len, uint16_t other)
{
	if (len == 0)
		return other;
	switch (ip[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return other;
	}
}

/* Ethertype of a BSD loopback family, read in either byte order. */
static uint16_t
by_family(const uint8_t *h, const uint8_t *ip, size_t len)
{
	uint32_t fam = get_le32(h);

	if (fam > 0xffff)
		fam = __builtin_bswap32(fam); /* written in the other byte order */
	switch (fam) {
	case 2:
		return ETHERTYPE_IPV4;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* macOS */
		return ETHERTYPE_IPV6;
	default:
		return by_version(ip, len, HM_PCAP_WRAP_OTHER);
	}
}

int
linktype_hlen(uint32_t lt)
{
	switch (lt) {
	case HM_PCAP_LINKTYPE_ETHERNET:
	case HM_PCAP_LINKTYPE_RAW:
	case 12:
	case 14:
	case HM_PCAP_LINKTYPE_IPV4:
	case HM_PCAP_LINKTYPE_IPV6:
		return 0;
	case HM_PCAP_LINKTYPE_NULL:
	case HM_PCAP_LINKTYPE_LOOP:
		return LOOP_HLEN;
	case HM_PCAP_LINKTYPE_LINUX_SLL:
		return SLL_HLEN;
	case HM_PCAP_LINKTYPE_LINUX_SLL2:
		return SLL2_HLEN;
	default:
		return -1;
	}
}

int
linktype_ethertype(uint32_t lt, const uint8_t *p, size_t n)
{
	size_t hl = (size_t)linktype_hlen(lt);
	uint16_t et;

	HM_ASSERT(linktype_hlen(lt) >= 0 && n >= hl);
	switch (lt) {
	case HM_PCAP_LINKTYPE_NULL:
	case HM_PCAP_LINKTYPE_LOOP:
		return by_family(p, p + hl, n - hl);
	case HM_PCAP_LINKTYPE_LINUX_SLL:
		return get_be16(p + 14);
	case HM_PCAP_LINKTYPE_LINUX_SLL2:
		return get_be16(p);
	case HM_PCAP_LINKTYPE_IPV4:
		return ETHERTYPE_IPV4;
	case HM_PCAP_LINKTYPE_IPV6:
		return ETHERTYPE_IPV6;
	default: /* RAW, 12, 14 */
		et = by_version(p, n, 0);
		return et != 0 ? et : -EBADMSG;
	}
}

void
linktype_eth_header(uint8_t *out, size_t cap, uint16_t et)
{
	static const uint8_t dst[6] = HM_PCAP_WRAP_DST_MAC, src[6] = HM_PCAP_WRAP_SRC_MAC;
	uint8_t h[ETH_HLEN];

	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	put_be16(h + 12, et);
	memcpy(out, h, cap < ETH_HLEN ? cap : ETH_HLEN);
}

int
hm_pcap_to_ether(uint32_t lt, const void *rec, size_t len, void *out, size_t cap)
{
	const uint8_t *p = rec;
	uint8_t *o = out;
	int hl, et;

	if (rec == NULL || (out == NULL && cap > 0))
		return hm_fail(EINVAL, "pcap to ether: NULL record, or NULL output with cap > 0");
	if (len > HM_PCAP_MAX_SNAPLEN)
		return hm_fail(EINVAL, "pcap to ether: %zu bytes is above the largest record (%u)",
			       len, HM_PCAP_MAX_SNAPLEN);
	hl = linktype_hlen(lt);
	if (hl < 0)
		return hm_fail(EPROTONOSUPPORT, "pcap to ether: link type %u (%s) is not supported",
			       lt, hm_pcap_linktype_name(lt) != NULL ? hm_pcap_linktype_name(lt)
								     : "unknown");
	if (lt == HM_PCAP_LINKTYPE_ETHERNET) {
		if (cap > 0)
			memcpy(out, rec, len < cap ? len : cap);
		return (int)len;
	}
	if (len < (size_t)hl)
		return hm_fail(EBADMSG, "pcap to ether: %zu bytes is shorter than the %d-byte %s "
			       "header", len, hl, hm_pcap_linktype_name(lt));
	et = linktype_ethertype(lt, p, len);
	if (et < 0)
		return hm_fail(EBADMSG, "pcap to ether: a %s record that is neither IPv4 nor IPv6 "
			       "(first byte 0x%02x)", hm_pcap_linktype_name(lt), len > 0 ? p[0] : 0);
	size_t flen = len - (size_t)hl + ETH_HLEN;
	linktype_eth_header(o, cap, (uint16_t)et);
	if (cap > ETH_HLEN)
		memcpy(o + ETH_HLEN, p + hl, (flen < cap ? flen : cap) - ETH_HLEN);
	return (int)flen;
}
