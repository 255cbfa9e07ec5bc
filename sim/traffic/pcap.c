/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture reader plumbing and classic pcap (pcap.h), the replay source, and
 * the classic pcap writer, with no libpcap at run time. pcapng blocks are in
 * pcapng.c, link types in linktype.c.
 *
 * The reader pulls bytes through pcap_rd() from either a caller's memory
 * buffer or a FILE; it validates every header field before using it, so
 * hostile input ends in a sticky -EBADMSG naming the record and its offset,
 * never in a read outside the input or an allocation sized by the file.
 *
 * Invariants (hm_pcap_check): with no error, offset == acct, the bytes of the
 * whole headers, records and blocks consumed (pcap: 24 + sum over returned
 * records of (16 + caplen)); after an error offset >= acct; an error state
 * never goes back to ok.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common_i.h"
#include "pcap_i.h"
#include "traffic_i.h"

struct hm_pcap_writer {
	FILE *f;
	struct hm_pcap_writer_conf c;
	uint64_t records;
	int err;                 /* sticky -errno */
};

static uint32_t
bswap32_if(uint32_t v, bool sw)
{
	return sw ? __builtin_bswap32(v) : v;
}

ssize_t
pcap_rd(struct hm_pcap_reader *r, void *buf, size_t n)
{
	size_t got;

	if (r->f == NULL) {
		size_t left = r->offset < r->mem_len ? r->mem_len - (size_t)r->offset : 0;
		got = n < left ? n : left;
		if (buf != NULL && got > 0)
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

int
pcap_rec_fail(struct hm_pcap_reader *r, int err, uint64_t at, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->err = -err;
	if (r->format == HM_PCAP_FORMAT_PCAPNG)
		return hm_fail(err, "pcapng: block %" PRIu64 " at offset %" PRIu64 " (after %"
			       PRIu64 " records): %s", r->blocks + 1, at, r->records, what);
	return hm_fail(err, "pcap: record %" PRIu64 " at offset %" PRIu64 ": %s", r->records + 1,
		       at, what);
}

void
pcap_count_record(struct hm_pcap_reader *r, const struct hm_pcap_rec *rec)
{
	r->records++;
	r->last = *rec;
	if (rec->caplen < rec->origlen) {
		if (r->truncated++ == 0)
			r->first_truncated = r->records;
	}
}

static struct hm_pcap_reader *
open_fail(struct hm_pcap_reader *r, int err)
{
	if (r->f != NULL)
		fclose(r->f);
	free(r->ifs);
	free(r);
	hm_errno = err;
	return NULL;
}

/* The rest of a classic file header after its 4 magic bytes. */
static int
open_classic(struct hm_pcap_reader *r, uint32_t magic)
{
	uint8_t h[HM_PCAP_FILE_HDR_SIZE - 4];
	uint32_t snap, lt;
	uint16_t maj, min;
	ssize_t n = pcap_rd(r, h, sizeof(h));

	if (n < 0)
		return hm_fail(EIO, "pcap: cannot read the file header");
	if ((size_t)n < sizeof(h))
		return hm_fail(EBADMSG, "pcap: %zd bytes is shorter than the 24-byte file header",
			       n + 4);
	if (magic == HM_PCAP_MAGIC_US || magic == HM_PCAP_MAGIC_NS) {
		r->swapped = false;
	} else if (__builtin_bswap32(magic) == HM_PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == HM_PCAP_MAGIC_NS) {
		r->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return hm_fail(EBADMSG, "pcap: bad magic 0x%08" PRIx32 " (neither a pcap nor a "
			       "pcapng file)", magic);
	}
	r->format = HM_PCAP_FORMAT_PCAP;
	r->nsec = magic == HM_PCAP_MAGIC_NS;
	memcpy(&maj, h, 2);
	memcpy(&min, h + 2, 2);
	if (r->swapped) {
		maj = __builtin_bswap16(maj);
		min = __builtin_bswap16(min);
	}
	if (maj != 2)
		return hm_fail(EBADMSG, "pcap: unsupported version %u.%u (expected 2.4)", maj, min);
	memcpy(&snap, h + 12, 4);
	snap = bswap32_if(snap, r->swapped);
	memcpy(&lt, h + 16, 4);
	/* the upper 16 bits carry FCS information, not the link type */
	r->linktype = bswap32_if(lt, r->swapped) & 0xffffu;
	r->snaplen = snap == 0 || snap > HM_PCAP_MAX_SNAPLEN ? HM_PCAP_MAX_SNAPLEN : snap;
	r->sections = 1;
	r->if_total = 1;
	r->acct = HM_PCAP_FILE_HDR_SIZE;
	return 0;
}

static struct hm_pcap_reader *
open_common(struct hm_pcap_reader *r)
{
	uint8_t m[4];
	uint32_t magic;
	ssize_t n = pcap_rd(r, m, sizeof(m));
	int rc;

	if (n < 0) {
		hm_fail(EIO, "pcap: cannot read the file header");
		return open_fail(r, EIO);
	}
	if ((size_t)n < sizeof(m)) {
		hm_fail(EBADMSG, "pcap: %zd bytes is shorter than a capture file header", n);
		return open_fail(r, EBADMSG);
	}
	memcpy(&magic, m, 4);
	if (magic == HM_PCAPNG_SHB_TYPE)
		rc = pcapng_open(r, m);
	else
		rc = open_classic(r, magic);
	if (rc < 0)
		return open_fail(r, -rc);
	return r;
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
	struct stat st;
	FILE *f;
	int fd, e;

	if (path == NULL)
		return hm_fail_ptr(EINVAL, "pcap: NULL path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return hm_fail_ptr(e, "pcap: cannot open '%s': %s", path, strerror(e));
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		return hm_fail_ptr(e, "pcap: cannot read '%s': %s", path, strerror(e));
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		e = errno;
		close(fd);
		return hm_fail_ptr(e, "pcap: cannot open '%s': %s", path, strerror(e));
	}
	r = reader_new();
	if (r == NULL) {
		fclose(f);
		return NULL;
	}
	r->f = f;
	r->have_ino = true;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
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
	free(r->ifs);
	free(r);
}

int
pcap_read_data(struct hm_pcap_reader *r, uint64_t at, void *buf, size_t cap, uint32_t caplen,
	       uint32_t lt)
{
	uint8_t *b = buf;
	int hl;
	ssize_t n;

	r->lhdr_len = 0;
	if (r->split && lt != HM_PCAP_LINKTYPE_ETHERNET && (hl = linktype_hlen(lt)) >= 0) {
		uint32_t head = caplen < (uint32_t)hl + 1 ? caplen : (uint32_t)hl + 1;
		n = pcap_rd(r, r->lhdr, head);
		if (n < 0)
			return pcap_rec_fail(r, EIO, at, "read error");
		if ((uint32_t)n < head)
			return pcap_rec_fail(r, EBADMSG, at, "record data cut short by the end of "
					     "the input (%zd of %" PRIu32 " bytes)", n, caplen);
		r->lhdr_len = head;
		caplen -= head;
		if (cap > ETH_HLEN && head == (uint32_t)hl + 1) {
			b[ETH_HLEN] = r->lhdr[hl]; /* the payload's first byte, in its place */
			b += ETH_HLEN + 1;
			cap -= ETH_HLEN + 1;
		} else {
			b = NULL;
			cap = 0;
		}
	}
	size_t take = caplen < cap ? caplen : cap;
	n = take > 0 ? pcap_rd(r, b, take) : 0;
	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if ((size_t)n == take && take < caplen) {
		ssize_t m = pcap_rd(r, NULL, caplen - take); /* the part beyond the caller's cap */
		if (m < 0)
			return pcap_rec_fail(r, EIO, at, "read error");
		n += m;
	}
	if ((size_t)n < caplen)
		return pcap_rec_fail(r, EBADMSG, at, "record data cut short by the end of the "
				     "input (%zd of %" PRIu32 " bytes)", n + (ssize_t)r->lhdr_len,
				     caplen + r->lhdr_len);
	return 0;
}

static int
classic_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec)
{
	uint8_t h[HM_PCAP_REC_HDR_SIZE];
	uint32_t sec, frac, caplen, origlen;
	uint64_t at = r->offset;
	ssize_t n = pcap_rd(r, h, sizeof(h));

	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(h))
		return pcap_rec_fail(r, EBADMSG, at, "truncated record header (%zd of 16 bytes)", n);
	memcpy(&sec, h, 4);
	memcpy(&frac, h + 4, 4);
	memcpy(&caplen, h + 8, 4);
	memcpy(&origlen, h + 12, 4);
	sec = bswap32_if(sec, r->swapped);
	frac = bswap32_if(frac, r->swapped);
	caplen = bswap32_if(caplen, r->swapped);
	origlen = bswap32_if(origlen, r->swapped);
	if (caplen > r->snaplen)
		return pcap_rec_fail(r, EBADMSG, at, "caplen %" PRIu32 " exceeds the snaplen %"
				     PRIu32, caplen, r->snaplen);
	if (caplen > origlen)
		return pcap_rec_fail(r, EBADMSG, at, "caplen %" PRIu32 " exceeds the original "
				     "length %" PRIu32, caplen, origlen);
	if (frac >= (r->nsec ? 1000000000u : 1000000u))
		return pcap_rec_fail(r, EBADMSG, at, "timestamp fraction %" PRIu32 " out of range",
				     frac);
	int rc = pcap_read_data(r, at, buf, cap, caplen, r->linktype);
	if (rc < 0)
		return rc;
	rec->ts_ns = (uint64_t)sec * 1000000000u + (r->nsec ? frac : (uint64_t)frac * 1000u);
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->offset = at;
	rec->linktype = r->linktype;
	rec->ifindex = 0;
	r->acct += HM_PCAP_REC_HDR_SIZE + (uint64_t)caplen;
	pcap_count_record(r, rec);
	return 1;
}

int
hm_pcap_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec)
{
	if (r == NULL || rec == NULL || (buf == NULL && cap > 0))
		return hm_fail(EINVAL, "pcap next: NULL reader or record, or NULL buffer with cap > 0");
	if (r->err != 0)
		return hm_fail(-r->err, "pcap: the reader already failed (%s)", hm_strerror(r->err));
	if (r->format == HM_PCAP_FORMAT_PCAPNG)
		return pcapng_next(r, buf, cap, rec);
	return classic_next(r, buf, cap, rec);
}

enum hm_pcap_format
hm_pcap_format(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->format : (enum hm_pcap_format)0;
}

uint32_t
hm_pcap_snaplen(const struct hm_pcap_reader *r)
{
	if (r == NULL)
		return 0;
	return r->format == HM_PCAP_FORMAT_PCAPNG ? HM_PCAP_MAX_SNAPLEN : r->snaplen;
}

uint32_t
hm_pcap_linktype(const struct hm_pcap_reader *r)
{
	return r != NULL ? r->linktype : 0;
}

bool
hm_pcap_is_nsec(const struct hm_pcap_reader *r)
{
	return r != NULL && (r->nsec || r->format == HM_PCAP_FORMAT_PCAPNG);
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
hm_pcap_last_rec(const struct hm_pcap_reader *r, struct hm_pcap_rec *rec)
{
	if (r == NULL || rec == NULL)
		return hm_fail(EINVAL, "pcap last record: NULL reader or output");
	if (r->records == 0)
		return hm_fail(ENOENT, "pcap last record: no record read yet");
	*rec = r->last;
	return 0;
}

int
hm_pcap_stats(const struct hm_pcap_reader *r, struct hm_pcap_stats *st)
{
	if (r == NULL || st == NULL)
		return hm_fail(EINVAL, "pcap stats: NULL reader or output");
	memset(st, 0, sizeof(*st));
	st->records = r->records;
	st->truncated = r->truncated;
	st->first_truncated = r->first_truncated;
	st->empty = r->empty;
	st->wrapped = r->wrapped;
	st->wrapped_linktype = r->wrapped_lt;
	st->wrapped_mixed = r->wrapped_mixed;
	st->blocks = r->blocks;
	st->skipped_blocks = r->skipped;
	st->sections = r->sections;
	st->interfaces = r->if_total;
	return 0;
}

int
hm_pcap_same_file(const struct hm_pcap_reader *r, int fd)
{
	struct stat st;

	if (r == NULL)
		return hm_fail(EINVAL, "pcap same file: NULL reader");
	if (fstat(fd, &st) != 0) {
		int e = errno;
		return hm_fail(e, "pcap same file: fstat(%d): %s", fd, strerror(e));
	}
	return r->have_ino && st.st_dev == r->dev && st.st_ino == r->ino ? 1 : 0;
}

int
hm_pcap_check(const struct hm_pcap_reader *r, const char **reason)
{
	const char *why = NULL;

	if (r == NULL)
		return hm_fail(EINVAL, "pcap check: NULL reader");
	/* after an error the offset may stand inside the bad record or block */
	if (r->err == 0 && r->offset != r->acct)
		why = r->format == HM_PCAP_FORMAT_PCAP
			      ? "offset != 24 + sum(16 + caplen) of the records returned"
			      : "offset != sum of the lengths of the blocks read";
	else if (r->err != 0 && r->offset < r->acct)
		why = "offset behind the records returned";
	else if (r->f == NULL && r->offset > r->mem_len)
		why = "offset beyond the input";
	else if (r->format != HM_PCAP_FORMAT_PCAP && r->format != HM_PCAP_FORMAT_PCAPNG)
		why = "unknown format";
	else if (r->format == HM_PCAP_FORMAT_PCAP &&
		 (r->snaplen == 0 || r->snaplen > HM_PCAP_MAX_SNAPLEN))
		why = "snaplen out of range";
	else if (r->n_ifs > r->cap_ifs || r->cap_ifs > HM_PCAPNG_MAX_IFACES ||
		 (r->cap_ifs != 0 && r->ifs == NULL))
		why = "interface table out of range";
	else if (r->truncated > r->records || r->wrapped + r->empty > r->records)
		why = "more truncated, wrapped or empty records than records";
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "pcap reader is corrupt: %s", why);
	}
	return 0;
}

/* ------------------------------------------------------------- replay */

/* The replay failed on record @p rec (already counted): sticky, named. */
static int
replay_fail(struct hm_pcap_reader *r, int err, const struct hm_pcap_rec *rec)
{
	const char *name = hm_pcap_linktype_name(rec->linktype);
	char where[96];

	r->err = -err;
	if (r->format == HM_PCAP_FORMAT_PCAPNG)
		snprintf(where, sizeof(where), "pcapng: record %" PRIu64 " (block %" PRIu64 ")",
			 r->records, r->blocks);
	else
		snprintf(where, sizeof(where), "pcap: record %" PRIu64, r->records);
	if (err == EPROTONOSUPPORT)
		return hm_fail(err, "%s at offset %" PRIu64 ": link type %" PRIu32 " (%s) cannot be "
			       "replayed as Ethernet (replayed: ETHERNET, NULL, LOOP, LINUX_SLL, "
			       "LINUX_SLL2, RAW, IPV4, IPV6)", where, rec->offset, rec->linktype,
			       name != NULL ? name : "unknown");
	if (rec->caplen < (uint32_t)linktype_hlen(rec->linktype))
		return hm_fail(err, "%s at offset %" PRIu64 ": %" PRIu32 " bytes is shorter than the "
			       "%s link-layer header", where, rec->offset, rec->caplen,
			       name != NULL ? name : "?");
	return hm_fail(err, "%s at offset %" PRIu64 ": a %s record that is neither IPv4 nor IPv6",
		       where, rec->offset, name != NULL ? name : "?");
}

static int
pcap_src_next(void *ctx, void *buf, size_t cap, uint64_t *ts_ns)
{
	struct hm_pcap_reader *r = ctx;
	struct hm_pcap_rec rec;
	int rc, hl, et;

	for (;;) {
		/* Ethernet straight into the caller's buffer; other link types split */
		r->split = true;
		rc = hm_pcap_next(r, buf, cap, &rec);
		r->split = false;
		if (rc <= 0)
			return rc;
		if (rec.caplen == 0) {
			r->empty++;
			continue;
		}
		if (rec.linktype == HM_PCAP_LINKTYPE_ETHERNET) {
			rc = (int)rec.caplen;
			break;
		}
		hl = linktype_hlen(rec.linktype);
		if (hl < 0)
			return replay_fail(r, EPROTONOSUPPORT, &rec);
		if (rec.caplen < (uint32_t)hl)
			return replay_fail(r, EBADMSG, &rec);
		et = linktype_ethertype(rec.linktype, r->lhdr, r->lhdr_len);
		if (et < 0)
			return replay_fail(r, EBADMSG, &rec);
		linktype_eth_header(buf, cap, (uint16_t)et);
		rc = (int)(rec.caplen - (uint32_t)hl + ETH_HLEN);
		if (r->wrapped++ == 0)
			r->wrapped_lt = rec.linktype;
		else if (rec.linktype != r->wrapped_lt)
			r->wrapped_mixed = true;
		break;
	}
	if (ts_ns != NULL)
		*ts_ns = rec.ts_ns;
	return rc;
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

/* A failed stdio call's errno, EIO when it left none. */
static int
io_errno(void)
{
	return errno != 0 ? errno : EIO;
}

static int
put_words(struct hm_pcap_writer *w, const uint32_t *v, size_t n)
{
	uint32_t b[4];

	for (size_t i = 0; i < n; i++)
		b[i] = bswap32_if(v[i], w->c.swapped);
	errno = 0;
	return fwrite(b, 4, n, w->f) == n ? 0 : -io_errno();
}

static struct hm_pcap_writer *
writer_fail(struct hm_pcap_writer *w, int fd, int err, const char *path, const char *what)
{
	if (w->f != NULL)
		fclose(w->f);
	else if (fd >= 0)
		close(fd);
	free(w);
	return hm_fail_ptr(err, "pcap writer: %s '%s': %s", what, path, strerror(err));
}

struct hm_pcap_writer *
hm_pcap_writer_open(const char *path, const struct hm_pcap_writer_conf *c)
{
	struct hm_pcap_writer_conf def;
	struct hm_pcap_writer *w;
	uint8_t h[HM_PCAP_FILE_HDR_SIZE];
	struct stat st;
	int fd, same;

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
	w->c.input = NULL;
	/* no O_TRUNC: the file is checked against the input before it is emptied */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return writer_fail(w, -1, errno, path, "cannot create");
	if (fstat(fd, &st) != 0)
		return writer_fail(w, fd, errno, path, "cannot stat");
	if (c->input != NULL) {
		same = hm_pcap_same_file(c->input, fd);
		if (same != 0) {
			close(fd);
			free(w);
			if (same < 0)
				return NULL;
			return hm_fail_ptr(EEXIST, "pcap writer: '%s' is the capture being read "
					   "(same file); refusing to overwrite it", path);
		}
	}
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0)
		return writer_fail(w, fd, errno, path, "cannot truncate");
	w->f = fdopen(fd, "wb");
	if (w->f == NULL)
		return writer_fail(w, fd, errno, path, "cannot open");
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
	errno = 0;
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		return writer_fail(w, -1, io_errno(), path, "cannot write the header of");
	return w;
}

int
hm_pcap_write_orig(struct hm_pcap_writer *w, const void *frame, size_t len, size_t origlen,
		   uint64_t ts_ns)
{
	uint32_t v[4];
	int rc;

	if (w == NULL || (frame == NULL && len > 0) || len > UINT32_MAX || origlen < len ||
	    origlen > UINT32_MAX)
		return hm_fail(EINVAL, "pcap write: NULL writer or frame, length above 4 GiB or "
			       "origlen %zu < length %zu", origlen, len);
	if (w->err != 0)
		return hm_fail(-w->err, "pcap write: an earlier write failed (%s)",
			       strerror(-w->err));
	uint32_t cap = len < w->c.snaplen ? (uint32_t)len : w->c.snaplen;
	v[0] = (uint32_t)(ts_ns / 1000000000u);
	v[1] = (uint32_t)(ts_ns % 1000000000u);
	if (!w->c.nsec)
		v[1] /= 1000;
	v[2] = cap;
	v[3] = (uint32_t)origlen;
	rc = put_words(w, v, 4);
	if (rc == 0 && cap > 0) {
		errno = 0;
		if (fwrite(frame, 1, cap, w->f) != cap)
			rc = -io_errno();
	}
	if (rc < 0) {
		w->err = rc;
		return hm_fail(-rc, "pcap write: record %" PRIu64 ": %s", w->records + 1,
			       strerror(-rc));
	}
	w->records++;
	return 0;
}

int
hm_pcap_write(struct hm_pcap_writer *w, const void *frame, size_t len, uint64_t ts_ns)
{
	return hm_pcap_write_orig(w, frame, len, len, ts_ns);
}

uint64_t
hm_pcap_writer_records(const struct hm_pcap_writer *w)
{
	return w != NULL ? w->records : 0;
}

int
hm_pcap_writer_flush(struct hm_pcap_writer *w)
{
	if (w == NULL)
		return hm_fail(EINVAL, "pcap writer: NULL writer");
	if (w->err != 0)
		return hm_fail(-w->err, "pcap writer: a write failed, data lost: %s",
			       strerror(-w->err));
	errno = 0;
	if (fflush(w->f) != 0) {
		w->err = -io_errno();
		return hm_fail(-w->err, "pcap writer: flush failed, data lost: %s",
			       strerror(-w->err));
	}
	return 0;
}

int
hm_pcap_writer_close(struct hm_pcap_writer *w)
{
	int rc;

	if (w == NULL)
		return 0;
	rc = w->err;
	errno = 0;
	if (fclose(w->f) != 0 && rc == 0) {
		int e = io_errno();
		rc = hm_fail(e, "pcap writer: close failed, data lost: %s", strerror(e));
	} else if (rc != 0) {
		hm_fail(-rc, "pcap writer: a write failed, data lost: %s", strerror(-rc));
	}
	free(w);
	return rc;
}
