#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run the benchmarks N times and print one table (what `make bench` ends with).

    scripts/bench-table.py BUILD_DIR [--runs N] [--backends hugetlbfs,emu]
                           [--only ring,mempool,...] [--pages P] [--no-reserve]
                           [--doc docs/performance.md]

Every benchmark program (tests/bench_*.c) prints ROW lines (bench_common.h):
    ROW|workload|hugemem|dpdk or -|unit|backend|timing
This script runs each program N times (N >= 3 by default, runs interleaved: run 1
of every program, then run 2, ...), once per hugemem backend it applies to, and
prints per row the min-max of hugemem's figure, of DPDK's and of their ratio
(computed within each run) over the N runs. A row whose timing is
"wall-pairs@<load>@<ratio>" (the ring on two cores: adjacent pairs of samples,
one per library) brings its own ratio, the median of the pairs' ratios; the
table shows that one, not hugemem / DPDK of the two median figures.

Real hugepages: DPDK only ever runs on 2 MiB hugepages. Unless
$HUGEMEM_BENCH_HUGE_DIR already names a hugetlbfs mount, the script (as root)
reserves --pages 2 MiB pages on top of what is reserved, mounts hugetlbfs in a
temporary directory and gives everything back at the end, holding
/tmp/hugemem-hugepages.lock (flock) throughout as scripts/hugepages.sh callers
do. Without root or pages the DPDK column is skipped and the notes say why.

--doc FILE replaces the part of FILE between the lines
"<!-- bench-table:begin -->" and "<!-- bench-table:end -->" with the table; the
prose around it is left alone. The table also goes to BUILD_DIR/bench-table.md and
every program's output to BUILD_DIR/bench-raw.txt.
"""
import argparse
import datetime
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time

# (name, program, backends it runs on)
BENCHES = [
    ("ring", "tests/bench_ring", ("hugetlbfs", "emu")),
    ("mempool", "tests/bench_mempool", ("hugetlbfs", "emu")),
    ("malloc", "tests/bench_malloc", ("hugetlbfs", "emu")),
    ("i40e", "tests/bench_i40e", ("hugetlbfs", "emu")),
    ("hugetlbfs", "tests/bench_hugetlbfs", ("hugetlbfs",)),
    ("memseg", "tests/bench_memseg", ("emu",)),
    ("nic", "tests/bench_nic", ("emu",)),
]
LOCK = "/tmp/hugemem-hugepages.lock"
NR = "/proc/sys/vm/nr_hugepages"
BEGIN = "<!-- bench-table:begin -->"
END = "<!-- bench-table:end -->"


def log(msg):
    print("bench-table: " + msg, flush=True)


class Hugepages:
    """Reserve and mount 2 MiB pages for the run; give them back on exit."""

    def __init__(self, pages):
        self.pages = pages
        self.lock = None
        self.old = None
        self.mnt = None
        self.mounted = False
        self.why = None

    def __enter__(self):
        if os.geteuid() != 0 or not os.access(NR, os.W_OK):
            self.why = "not root: no hugepages reserved"
            return self
        self.lock = open(LOCK, "a")
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for %s (another session uses the hugepages)" % LOCK)
            fcntl.flock(self.lock, fcntl.LOCK_EX)
        with open(NR) as f:
            self.old = int(f.read())
        with open(NR, "w") as f:
            f.write(str(self.old + self.pages))
        with open(NR) as f:
            got = int(f.read()) - self.old
        if got < self.pages:
            self.why = "the kernel reserved %d of %d 2 MiB pages" % (got, self.pages)
            if got < 600:
                return self
        self.mnt = tempfile.mkdtemp(prefix="hugemem-bench-huge.")
        subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.mnt],
                       check=True)
        self.mounted = True
        log("%d 2 MiB pages reserved, hugetlbfs mounted at %s" % (got, self.mnt))
        return self

    def __exit__(self, *exc):
        if self.mounted:
            for f in os.listdir(self.mnt):
                try:
                    os.unlink(os.path.join(self.mnt, f))
                except OSError:
                    pass
            if subprocess.run(["umount", self.mnt]).returncode != 0:
                subprocess.run(["umount", "-l", self.mnt])
        if self.mnt is not None:
            try:
                os.rmdir(self.mnt)
            except OSError:
                pass
        if self.old is not None:
            with open(NR, "w") as f:
                f.write(str(self.old))
            with open(NR) as f:
                log("restored nr_hugepages=%s" % f.read().strip())
        if self.lock is not None:
            self.lock.close()
        return False


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3g" % v


def span(vals, unit=""):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    lo, hi = fmt(min(vals)), fmt(max(vals))
    s = lo if lo == hi else "%s–%s" % (lo, hi)
    return s + (" " + unit if unit else "")


def timing_text(tims):
    kinds = sorted({t.split("@")[0] for t in tims})
    out = []
    for k in kinds:
        if k == "cpu":
            out.append("CPU time, median")
        elif k == "heap":
            out.append("heap state, last sample")
        elif k == "heap-mean":
            ns = sorted({t.split("@")[1] for t in tims if t.startswith("heap-mean@")})
            out.append("heap state, mean over %s end states" % "/".join(ns))
        elif k == "tsc-min":
            out.append("TSC, min of short samples")
        elif k == "wall":
            loads = [float(t.split("@")[1]) for t in tims if t.startswith("wall@")]
            out.append("wall, median; load %s" % span(loads))
        elif k == "wall-min":
            loads = [float(t.split("@")[1]) for t in tims if t.startswith("wall-min@")]
            out.append("wall, min of short samples; load %s" % span(loads))
        elif k == "wall-pairs":
            loads = [float(t.split("@")[1]) for t in tims if t.startswith("wall-pairs@")]
            out.append("wall, adjacent pairs: figures the median sample, ratio the median "
                       "of the pairs' ratios; load %s" % span(loads))
        else:
            out.append(k)
    return "; ".join(out)


def git_rev(root):
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "-uno"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def main():
    # SIGTERM/SIGHUP unwind like Ctrl-C: the hugepages are given back
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(128 + sig))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    ap.add_argument("--backends", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--pages", type=int, default=1200)
    ap.add_argument("--no-reserve", action="store_true")
    ap.add_argument("--doc", default=None)
    ap.add_argument("--timeout", type=int, default=900)
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    only = set(a.only.split(",")) if a.only else None
    benches = [b for b in BENCHES if only is None or b[0] in only]
    if not benches:
        ap.error("--only names none of: " + ", ".join(b[0] for b in BENCHES))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    raw_path = os.path.join(a.build, "bench-raw.txt")
    rows = {}    # (workload, backend) -> dict
    order = []
    notes = []
    failed = []
    loads = []
    t_start = time.time()

    reserve = not a.no_reserve and not os.environ.get("HUGEMEM_BENCH_HUGE_DIR")
    hp = Hugepages(a.pages) if reserve else None
    with open(raw_path, "w") as raw:
        if hp is not None:
            hp.__enter__()
        try:
            if hp is not None and hp.mounted:
                os.environ["HUGEMEM_BENCH_HUGE_DIR"] = hp.mnt
            huge = os.environ.get("HUGEMEM_BENCH_HUGE_DIR")
            if hp is not None and hp.why:
                notes.append("hugepages: " + hp.why)
            if a.backends:
                backends = a.backends.split(",")
            else:
                backends = ["hugetlbfs", "emu"] if huge else ["emu"]
            if "hugetlbfs" in backends and not huge:
                notes.append("hugemem's hugetlbfs backend not run: no hugetlbfs mount")
                backends.remove("hugetlbfs")
            for run in range(1, a.runs + 1):
                for name, prog, bes in benches:
                    for be in bes:
                        if be not in backends:
                            continue
                        env = dict(os.environ)
                        env["HUGEMEM_BENCH_BACKEND"] = be
                        env["HUGEMEM_RUNTIME_DIR"] = os.path.abspath(os.path.join(a.build, "tests", "run-bench"))
                        path = os.path.join(a.build, prog)
                        t0 = time.time()
                        try:
                            p = subprocess.run([path], env=env, capture_output=True,
                                               text=True, timeout=a.timeout)
                            out, rc = p.stdout, p.returncode
                            err = p.stderr
                        except subprocess.TimeoutExpired as e:
                            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                            err, rc = "timeout after %d s" % a.timeout, -1
                        except OSError as e:
                            out, err, rc = "", str(e), -1
                        with open("/proc/loadavg") as f:
                            loads.append(float(f.read().split()[0]))
                        raw.write("==== run %d: %s (%s), exit %d, %.1f s\n%s%s\n" %
                                  (run, name, be, rc, time.time() - t0, out, err))
                        raw.flush()
                        log("run %d/%d: %-9s %-9s %5.1f s%s" %
                            (run, a.runs, name, be, time.time() - t0,
                             "" if rc in (0, 77) else "  FAILED (exit %d)" % rc))
                        if rc == 77:
                            notes.append("%s: skipped: %s" % (name, (out.strip().splitlines() or ["?"])[-1]))
                        elif rc != 0:
                            failed.append("%s (%s, run %d): exit %d: %s" %
                                          (name, be, run, rc, err.strip()[-300:]))
                        for line in out.splitlines():
                            if line.startswith("NOTE|"):
                                notes.append(line[5:])
                                continue
                            if not line.startswith("ROW|"):
                                continue
                            f = line.split("|")
                            if len(f) != 7:
                                continue
                            _, wl, hm, dp, unit, bk, tim = f
                            key = (wl, bk)
                            if key not in rows:
                                rows[key] = {"unit": unit, "hm": [], "dp": [], "ratio": [],
                                             "timing": [], "bench": name}
                                order.append(key)
                            r = rows[key]
                            h = float(hm)
                            d = None if dp == "-" else float(dp)
                            r["hm"].append(h)
                            r["dp"].append(d)
                            tf = tim.split("@")
                            if tf[0] == "wall-pairs" and len(tf) > 2:
                                # the program's own ratio: the median of adjacent pairs'
                                r["ratio"].append(float(tf[2]))
                            else:
                                r["ratio"].append(h / d if d else None)
                            r["timing"].append(tim)
        finally:
            if hp is not None:
                hp.__exit__(None, None, None)

    dpdk_ver = ""
    with open(raw_path) as f:
        for line in f:
            if line.startswith("dpdk: DPDK"):
                dpdk_ver = line.split(",")[0][6:]
                break
    seen = set()
    uniq = []
    for n in notes:
        if n not in seen:
            seen.add(n)
            uniq.append(n)
    lines = []
    lines.append("`make bench` on %s, commit %s: %d run(s) of each benchmark, "
                 "%d CPU(s) (%s), load average %s during the runs, %s; %.0f s."
                 % (datetime.date.today().isoformat(), git_rev(root), a.runs,
                    os.cpu_count() or 0, cpu_model(), span(loads),
                    dpdk_ver or "no DPDK", time.time() - t_start))
    lines.append("Each cell is min–max over the runs; the ratio (hugemem / DPDK, below 1: "
                 "hugemem is faster) is taken within each run.")
    lines.append("")
    lines.append("| workload | backend | unit | hugemem | DPDK | hugemem/DPDK | timing |")
    lines.append("|---|---|---|---|---|---|---|")
    for key in order:
        r = rows[key]
        n = len(r["hm"])
        ratio = span(r["ratio"])
        cells = [key[0], key[1], r["unit"], span(r["hm"]), span(r["dp"]),
                 ratio if ratio != "—" else "—",
                 timing_text(r["timing"]) + ("" if n == a.runs else " (%d runs)" % n)]
        lines.append("| " + " | ".join(cells) + " |")
    if uniq or failed:
        lines.append("")
    for n in uniq:
        lines.append("- " + n)
    for f in failed:
        lines.append("- FAILED: " + f)
    table = "\n".join(lines) + "\n"
    with open(os.path.join(a.build, "bench-table.md"), "w") as f:
        f.write(table)
    print()
    print(table, end="")
    if a.doc:
        with open(a.doc) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            log("%s has no %s ... %s section; not updated" % (a.doc, BEGIN, END))
            return 1
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(a.doc, "w") as f:
            f.write(head + BEGIN + "\n" + table + END + tail)
        log("table written into %s" % a.doc)
    if failed:
        log("%d benchmark run(s) failed; output in %s" % (len(failed), raw_path))
        return 1
    log("raw output in %s" % raw_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
