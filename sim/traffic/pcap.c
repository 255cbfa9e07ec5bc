/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap reader and writer (pcap.h), with no libpcap at run time.
 *
 * The reader pulls bytes through rd() from either a caller's memory buffer or
 * a FILE; it validates every header field before using it, so hostile input
 * ends in a sticky -EBADMSG naming the record and its offset, never in a read
 * outside the input or an allocation sized by the file.
 *
 * Invariants (hm_pcap_check): offset == 24 + sum over returned records of
 * (16 + caplen); an error state never goes back to ok.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "common_i.h"
#include "traffic_i.h"
#include "hugemem/sim/pcap.h"

struct hm_pcap_reader {
	FILE *f;                 /* file input, or NULL */
	const uint8_t *mem;      /* memory input when f == NULL */
	size_t mem_len;          /* bytes at mem */
	uint64_t offset;         /* bytes consumed */
	uint64_t records;        /* records returned */
	uint64_t rec_bytes;      /* sum of (16 + caplen) of the records returned */
	uint32_t snaplen;        /* from the header; 0 read as HM_PCAP_MAX_SNAPLEN */
	uint32_t linktype;
	bool swapped;            /* file byte order differs from ours */
	bool nsec;               /* nanosecond fractions */
	int err;                 /* sticky -errno, 0 when fine */
	struct hm_traffic_src src;
	uint8_t scratch[256];    /* discard buffer for bytes beyond the caller's cap */
};

struct hm_pcap_writer {
	FILE *f;
	struct hm_pcap_writer_conf c;
	uint64_t records;
	int err;                 /* sticky -EIO */
};

static uint32_t
bswap32_if(uint32_t v, bool sw)
{
	return sw ? __builtin_bswap32(v) : v;
}

/* Read exactly @p n bytes (or fewer at the end); returns the count or -EIO. */
static ssize_t
rd(struct hm_pcap_reader *r, void *buf, size_t n)
{
	size_t got;

	if (r->f == NULL) {
		size_t left = r->offset < r->mem_len ? r->mem_len - (size_t)r->offset : 0;
		got = n < left ? n : left;
		if (buf != NULL)
			memcpy(buf, r->mem + r->offset, got);
	} else if (buf != NULL) {
		got = fread(buf, 1, n, r->f);
		if (got < n && ferror(r->f))
			return -EIO;
	} else {
		got = 0;
		while (got < n) {
			size_t k = n - got < sizeof(r->scratch) ? n - got : sizeof(r->scratch);
			size_t g = fread(r->scratch, 1, k, r->f);
			got += g;
			if (g < k) {
				if (ferror(r->f))
					return -EIO;
				break;
			}
		}
	}
	r->offset += got;
	return (ssize_t)got;
}

static struct hm_pcap_reader *
open_common(struct hm_pcap_reader *r)
{
	uint8_t h[HM_PCAP_FILE_HDR_SIZE];
	uint32_t magic, snap;
	ssize_t n = rd(r, h, sizeof(h));

	if (n < 0) {
		hm_fail(EIO, "pcap: cannot read the file header");
		goto fail_eio;
	}
	if ((size_t)n < sizeof(h)) {
		hm_fail(EBADMSG, "pcap: %zd bytes is shorter than the 24-byte file header", n);
		goto fail;
	}
	memcpy(&magic, h, 4);
	if (magic == HM_PCAP_MAGIC_US || magic == HM_PCAP_MAGIC_NS) {
		r->swapped = false;
	} else if (__builtin_bswap32(magic) == HM_PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == HM_PCAP_MAGIC_NS) {
		r->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		hm_fail(EBADMSG, "pcap: bad magic 0x%08" PRIx32 " (not a classic pcap file; "
			"pcapng is not supported)", magic);
		goto fail;
	}
	r->nsec = magic == HM_PCAP_MAGIC_NS;
	uint16_t maj, min;
	memcpy(&maj, h + 4, 2);
	memcpy(&min, h + 6, 2);
	if (r->swapped) {
		maj = __builtin_bswap16(maj);
		min = __builtin_bswap16(min);
	}
	if (maj != 2) {
		hm_fail(EBADMSG, "pcap: unsupported version %u.%u (expected 2.4)", maj, min);
		goto fail;
	}
	memcpy(&snap, h + 16, 4);
	snap = bswap32_if(snap, r->swapped);
	memcpy(&r->linktype, h + 20, 4);
	r->linktype = bswap32_if(r->linktype, r->swapped);
	r->snaplen = snap == 0 || snap > HM_PCAP_MAX_SNAPLEN ? HM_PCAP_MAX_SNAPLEN : snap;
	return r;
fail:
	if (r->f != NULL)
		fclose(r->f);
	free(r);
	hm_errno = EBADMSG;
	return NULL;
fail_eio:
	if (r->f != NULL)
		fclose(r->f);
	free(r);
	hm_errno = EIO;
	return NULL;
}

static int pcap_src_next(void *ctx, void *buf, size_t cap, uint64_t *ts_ns);

static struct hm_pcap_reader *
reader_new(void)
{
	struct hm_pcap_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return hm_fail_ptr(ENOMEM, "pcap: out of memory");
	r->src.next = pcap_src_next;
	r->src.ctx = r;
	r->src.name = "pcap";
	return r;
}

struct hm_pcap_reader *
hm_pcap_open(const char *path)
{
	struct hm_pcap_reader *r;
	FILE *f;

	if (path == NULL)
		return hm_fail_ptr(EINVAL, "pcap: NULL path");
	f = fopen(path, "rb");
	if (f == NULL)
		return hm_fail_ptr(errno, "pcap: cannot open '%s': %s", path, strerror(errno));
	r = reader_new();
	if (r == NULL) {
		fclose(f);
		return NULL;
	}
	r->f = f;
	return open_common(r);
}

struct hm_pcap_reader *
hm_pcap_open_mem(const void *buf, size_t len)
{
	struct hm_pcap_reader *r;

	if (buf == NULL)
		return hm_fail_ptr(EINVAL, "pcap: NULL buffer");
	r = reader_new();
	if (r == NULL)
		return NULL;
	r->mem = buf;
	r->mem_len = len;
	return open_common(r);
}

void
hm_pcap_close(struct hm_pcap_reader *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	free(r);
}

static int
rec_fail(struct hm_pcap_reader *r, int err, uint64_t at, const char *what)
{
	r->err = -err;
	return hm_fail(err, "pcap: record %" PRIu64 " at offset %" PRIu64 ": %s", r->records + 1,
		       at, what);
}

int
hm_pcap_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec)
{
	uint8_t h[HM_PCAP_REC_HDR_SIZE];
	uint32_t sec, frac, caplen, origlen;
	uint64_t at;
	ssize_t n;

	if (r == NULL || rec == NULL || (buf == NULL && cap > 0))
		return hm_fail(EINVAL, "pcap next: NULL reader or record, or NULL buffer with cap > 0");
	if (r->err != 0)
		return hm_fail(-r->err, "pcap: the reader already failed (%s)", hm_strerror(r->err));
	at = r->offset;
	n = rd(r, h, sizeof(h));
	if (n < 0)
		return rec_fail(r, EIO, at, "read error");
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(h))
		return rec_fail(r, EBADMSG, at, "truncated record header");
	memcpy(&sec, h, 4);
	memcpy(&frac, h + 4, 4);
	memcpy(&caplen, h + 8, 4);
	memcpy(&origlen, h + 12, 4);
	sec = bswap32_if(sec, r->swapped);
	frac = bswap32_if(frac, r->swapped);
	caplen = bswap32_if(caplen, r->swapped);
	origlen = bswap32_if(origlen, r->swapped);
	if (caplen > r->snaplen) {
		char m[96];
		snprintf(m, sizeof(m), "caplen %" PRIu32 " exceeds the snaplen %" PRIu32, caplen,
			 r->snaplen);
		return rec_fail(r, EBADMSG, at, m);
	}
	if (caplen > origlen)
		return rec_fail(r, EBADMSG, at, "caplen exceeds the original length");
	if (frac >= (r->nsec ? 1000000000u : 1000000u))
		return rec_fail(r, EBADMSG, at, "timestamp fraction out of range");
	size_t take = caplen < cap ? caplen : cap;
	n = rd(r, buf, take);
	if (n < 0)
		return rec_fail(r, EIO, at, "read error");
	if ((size_t)n == take && take < caplen) {
		ssize_t m = rd(r, NULL, caplen - take); /* the part beyond the caller's cap */
		if (m < 0)
			return rec_fail(r, EIO, at, "read error");
		n += m;
	}
	if ((size_t)n < caplen)
		return rec_fail(r, EBADMSG, at, "truncated record data");
	rec->ts_ns = (uint64_t)sec * 1000000000u + (r->nsec ? frac : (uint64_t)frac * 1000u);
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->offset = at;
	r->records++;
	r->rec_bytes += HM_PCAP_REC_HDR_SIZE + (uint64_t)caplen;
	return 1;
}

uint32_t
hm_pcap_snaplen(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->snaplen : 0;
}

uint32_t
hm_pcap_linktype(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->linktype : 0;
}

bool
hm_pcap_is_nsec(const struct hm_pcap_reader *r)
{
	return r != NULL && r->nsec;
}

bool
hm_pcap_is_swapped(const struct hm_pcap_reader *r)
{
	return r != NULL && r->swapped;
}

uint64_t
hm_pcap_records(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->records : 0;
}

uint64_t
hm_pcap_offset(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->offset : 0;
}

int
hm_pcap_check(const struct hm_pcap_reader *r, const char **reason)
{
	const char *why = NULL;

	if (r == NULL)
		return hm_fail(EINVAL, "pcap check: NULL reader");
	/* after an error the offset may stand inside the bad record */
	if (r->err == 0 && r->offset != HM_PCAP_FILE_HDR_SIZE + r->rec_bytes)
		why = "offset != 24 + sum(16 + caplen) of the records returned";
	else if (r->err != 0 && r->offset < HM_PCAP_FILE_HDR_SIZE + r->rec_bytes)
		why = "offset behind the records returned";
	else if (r->f == NULL && r->offset > r->mem_len)
		why = "offset beyond the input";
	else if (r->snaplen == 0 || r->snaplen > HM_PCAP_MAX_SNAPLEN)
		why = "snaplen out of range";
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "pcap reader is corrupt: %s", why);
	}
	return 0;
}

static int
pcap_src_next(void *ctx, void *buf, size_t cap, uint64_t *ts_ns)
{
	struct hm_pcap_reader *r = ctx;
	struct hm_pcap_rec rec;
	int rc;

	do {
		rc = hm_pcap_next(r, buf, cap, &rec);
		if (rc <= 0)
			return rc;
	} while (rec.caplen == 0);
	if (ts_ns != NULL)
		*ts_ns = rec.ts_ns;
	return (int)rec.caplen;
}

struct hm_traffic_src *
hm_pcap_source(struct hm_pcap_reader *r)
{
	if (r == NULL)
		return hm_fail_ptr(EINVAL, "pcap: NULL reader");
	return &r->src;
}

/* ---------------------------------------------------------------- writer */

void
hm_pcap_writer_conf_init(struct hm_pcap_writer_conf *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->snaplen = 65535;
	c->linktype = HM_PCAP_LINKTYPE_ETHERNET;
}

static int
put_words(struct hm_pcap_writer *w, const uint32_t *v, size_t n)
{
	uint32_t b[4];

	for (size_t i = 0; i < n; i++)
		b[i] = bswap32_if(v[i], w->c.swapped);
	return fwrite(b, 4, n, w->f) == n ? 0 : -EIO;
}

struct hm_pcap_writer *
hm_pcap_writer_open(const char *path, const struct hm_pcap_writer_conf *c)
{
	struct hm_pcap_writer_conf def;
	struct hm_pcap_writer *w;
	uint8_t h[HM_PCAP_FILE_HDR_SIZE];

	if (c == NULL) {
		hm_pcap_writer_conf_init(&def);
		c = &def;
	}
	if (path == NULL)
		return hm_fail_ptr(EINVAL, "pcap writer: NULL path");
	if (c->snaplen == 0 || c->snaplen > HM_PCAP_MAX_SNAPLEN)
		return hm_fail_ptr(EINVAL, "pcap writer: snaplen %u outside 1..%u", c->snaplen,
				   HM_PCAP_MAX_SNAPLEN);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return hm_fail_ptr(ENOMEM, "pcap writer: out of memory");
	w->c = *c;
	w->f = fopen(path, "wb");
	if (w->f == NULL) {
		int e = errno;
		free(w);
		return hm_fail_ptr(e, "pcap writer: cannot create '%s': %s", path, strerror(e));
	}
	uint32_t magic = c->nsec ? HM_PCAP_MAGIC_NS : HM_PCAP_MAGIC_US;
	uint16_t ver[2] = { 2, 4 };
	uint32_t rest[4] = { 0, 0, c->snaplen, c->linktype }; /* thiszone, sigfigs, ... */
	magic = bswap32_if(magic, c->swapped);
	if (c->swapped) {
		ver[0] = __builtin_bswap16(ver[0]);
		ver[1] = __builtin_bswap16(ver[1]);
	}
	for (int i = 0; i < 4; i++)
		rest[i] = bswap32_if(rest[i], c->swapped);
	memcpy(h, &magic, 4);
	memcpy(h + 4, ver, 4);
	memcpy(h + 8, rest, 16);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) {
		fclose(w->f);
		free(w);
		return hm_fail_ptr(EIO, "pcap writer: cannot write the header of '%s'", path);
	}
	return w;
}

int
hm_pcap_write(struct hm_pcap_writer *w, const void *frame, size_t len, uint64_t ts_ns)
{
	uint32_t v[4];

	if (w == NULL || (frame == NULL && len > 0) || len > UINT32_MAX)
		return hm_fail(EINVAL, "pcap write: NULL writer or frame, or length above 4 GiB");
	if (w->err != 0)
		return hm_fail(EIO, "pcap write: an earlier write failed");
	uint32_t cap = len < w->c.snaplen ? (uint32_t)len : w->c.snaplen;
	v[0] = (uint32_t)(ts_ns / 1000000000u);
	v[1] = (uint32_t)(ts_ns % 1000000000u);
	if (!w->c.nsec)
		v[1] /= 1000;
	v[2] = cap;
	v[3] = (uint32_t)len;
	if (put_words(w, v, 4) < 0 || (cap > 0 && fwrite(frame, 1, cap, w->f) != cap)) {
		w->err = -EIO;
		return hm_fail(EIO, "pcap write: write error");
	}
	w->records++;
	return 0;
}

uint64_t
hm_pcap_writer_records(const struct hm_pcap_writer *w)
{
	return w != NULL ? w->records : 0;
}

int
hm_pcap_writer_close(struct hm_pcap_writer *w)
{
	int rc;

	if (w == NULL)
		return 0;
	rc = w->err;
	if (fclose(w->f) != 0 && rc == 0)
		rc = hm_fail(EIO, "pcap writer: close failed (data lost)");
	free(w);
	return rc;
}
