#!/usr/bin/env python3
"""List what the last `meson test` run in a build directory skipped, with the reasons.

    scripts/test-skips.py BUILD_DIR

Reads BUILD_DIR/meson-logs/testlog.json (one JSON object per test program) and prints:
  - every program meson counted as SKIP (exit 77), with the reason it printed: the last
    "SKIP: ..." line (tests/helpers.c hm_test_skip_all) or "# SKIP ..." line, else its
    last line of output;
  - every cmocka test function skipped inside a program that passed ("[  SKIPPED ] name"),
    with the "# SKIP ..." line it printed before;
  - test functions that passed but printed "# SKIP ..." (a part of them did not run).
Programs (and functions) with the same reason share one line; PART marks functions
that ran but skipped a part. Always exits 0 (it reports; the
test run's own status is the verdict). `make test` runs it after each build's suite.
"""
import json
import os
import sys

RUN = "[ RUN      ] "
SKIPPED = "[  SKIPPED ] "
DONE = ("[       OK ] ", "[  FAILED  ] ", "[  ERROR   ] ", SKIPPED)


def short(name):
    """'hugemem:hugetlbfs / memseg-hugetlbfs' -> 'memseg-hugetlbfs'."""
    return name.split(" / ", 1)[-1]


def strip_skip(line):
    line = line.strip()
    for p in ("# SKIP:", "# SKIP", "SKIP:"):
        if line.startswith(p):
            return line[len(p):].strip()
    return line


def program_reason(stdout, stderr):
    lines = [l for l in (stdout or "").splitlines() if l.strip()]
    marked = [l for l in lines if l.lstrip().startswith(("SKIP:", "# SKIP"))]
    if marked:
        return strip_skip(marked[-1])
    if lines:
        return lines[-1].strip()
    err = [l for l in (stderr or "").splitlines() if l.strip()]
    return err[-1].strip() if err else "(no reason printed)"


def function_skips(stdout):
    """(function, reason, fully_skipped) for each cmocka test that skipped or printed # SKIP."""
    out = []
    current, reason = None, None
    for line in (stdout or "").splitlines():
        if line.startswith(RUN):
            current, reason = line[len(RUN):].strip(), None
        elif current is not None and line.lstrip().startswith("# SKIP"):
            reason = strip_skip(line)
        elif current is not None and line.startswith(DONE):
            name = line.split("] ", 1)[-1].strip()
            if name == current:
                if line.startswith(SKIPPED):
                    out.append((current, reason or "(no reason printed)", True))
                elif reason is not None and line.startswith(DONE[0]):
                    out.append((current, reason, False))
            current, reason = None, None
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: scripts/test-skips.py BUILD_DIR", file=sys.stderr)
        return 2
    log = os.path.join(argv[1], "meson-logs", "testlog.json")
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            records = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError) as e:
        print(f"test-skips: cannot read {log}: {e}")
        return 0
    programs = {}  # reason -> [program]
    functions = []  # (program, function, reason, fully)
    for r in records:
        name = short(r.get("name", "?"))
        if r.get("result") == "SKIP":
            programs.setdefault(program_reason(r.get("stdout"), r.get("stderr")), []).append(name)
        elif r.get("result") in ("OK", "EXPECTEDFAIL", "FAIL"):
            for fn, why, fully in function_skips(r.get("stdout")):
                functions.append((name, fn, why, fully))
    n_prog = sum(len(v) for v in programs.values())
    if n_prog == 0 and not functions:
        print(f"skipped in {argv[1]}: nothing")
        return 0
    print(f"skipped in {argv[1]}: {n_prog} test program(s), "
          f"{sum(1 for f in functions if f[3])} test function(s)"
          f"{', and %d that skipped a part' % sum(1 for f in functions if not f[3]) if any(not f[3] for f in functions) else ''}:")
    for why, names in sorted(programs.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  SKIP {', '.join(sorted(names))}: {why}")
    grouped = {}  # (fully, reason) -> ["program/function"]
    for prog, fn, why, fully in functions:
        grouped.setdefault((fully, why), []).append(f"{prog}/{fn}")
    for (fully, why), names in sorted(grouped.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        print(f"  {'SKIP' if fully else 'PART'} {', '.join(names)}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
