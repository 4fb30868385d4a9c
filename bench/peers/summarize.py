#!/usr/bin/env python3
"""Summarise bench/peers/run.sh's raw lines (stdin) as a Markdown table.

Input lines: "peer=<impl> shape=<name> steps=<k> wall=<s> cpu=<s> [gemm=<f>]"
and "# peer=<impl> version=... blas=..." notes. For each shape and
implementation the medians over rounds of the CPU time and the wall time per
step are given, and the ratio best peer / onebit (> 1: onebit is faster).
Standard library only.
"""
import argparse
import statistics
import sys
import time

SHAPE_TITLE = {
    "sgd": "SGD/STE+Adam, f32, fresh BG(0.1) batch",
    "population": "population GD, Gaussian, f64",
}
TARGET = {"sgd": (1.25, "best peer"), "population": (2.0, "numpy")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", default="?")
    ap.add_argument("--missing", default="")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--go", default="")
    args = ap.parse_args()
    runs, notes, shapes = {}, [], []
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("# peer="):
            if line[2:] not in notes:
                notes.append(line[2:])
            continue
        if not line.startswith("peer="):
            continue
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        try:
            cpu, wall = float(f["cpu"]), float(f["wall"])
        except (KeyError, ValueError):
            continue
        if f["shape"] not in shapes:
            shapes.append(f["shape"])
        r = runs.setdefault((f["peer"], f["shape"]), {"cpu": [], "wall": [], "gemm": []})
        r["cpu"].append(cpu)
        r["wall"].append(wall)
        if f.get("gemm"):
            r["gemm"].append(float(f["gemm"]))
    impls = [p for p in ("onebit", "numpy", "torch") if any(k[0] == p for k in runs)]
    med = {k: {m: statistics.median(v) for m, v in r.items() if v} for k, r in runs.items()}

    def ms(x):
        return "%.3g ms" % (1e3 * x)

    out = ["# onebit training step vs numpy and PyTorch (%s)" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), ""]
    out.append("`make bench-peers` (bench/peers/run.sh): %s interleaved rounds in one job, 1 thread everywhere "
               "(GOMAXPROCS=1, OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)); the peers' OpenBLAS forced onto "
               "its AVX-512 kernels with OPENBLAS_CORETYPE=SkylakeX, and glibc told to keep their freed temporaries "
               "(MALLOC_MMAP_THRESHOLD_=256 MiB, MALLOC_TRIM_THRESHOLD_=4 GiB, MALLOC_TOP_PAD_=256 MiB: without, "
               "page faults made numpy's step up to 4x slower). CPU: %s. %s." % (args.rounds, args.cpu or "?", args.go))
    for n in notes:
        out.append("- %s" % n)
    if args.missing.strip():
        out.append("- skipped (not installed): %s" % args.missing)
    out.append("")
    out.append("Medians over rounds of the time per step: CPU time of the process (robust to other jobs on "
               "the machine), wall time in brackets. onebit's SGD step draws its batch inside the step; the "
               "peers' batches are drawn before the timed region. Ratio = median over rounds of peer time / "
               "onebit time in the same round, on CPU time (> 1: onebit faster). gemm = share of onebit's "
               "step spent in its matrix products (CPU time of the same products replayed alone).")
    out.append("")
    head = "| step | onebit | gemm |" + "".join(" %s |" % p for p in impls if p != "onebit")
    head += "".join(" vs %s |" % p for p in impls if p != "onebit") + " target |"
    out.append(head)
    out.append("|" + "---|" * (head.count("|") - 1))
    for s in shapes:
        kind = s.split("/")[0]
        o = med.get(("onebit", s))
        row = "| %s %s | " % (SHAPE_TITLE.get(kind, kind), s.split("/")[-1])
        row += ("%s (%s)" % (ms(o["cpu"]), ms(o["wall"])) if o else "-") + " | "
        row += ("%.2f" % o["gemm"] if o and "gemm" in o else "-") + " |"
        ratios = {}
        for p in impls:
            if p == "onebit":
                continue
            q = med.get((p, s))
            row += " %s |" % ("%s (%s)" % (ms(q["cpu"]), ms(q["wall"])) if q else "-")
            # Paired by round: the median of peer/onebit within each round,
            # which cancels slow drifts of the machine's load.
            pr, orr = runs.get((p, s)), runs.get(("onebit", s))
            if pr and orr:
                k = min(len(pr["cpu"]), len(orr["cpu"]))
                ratios[p] = statistics.median(pr["cpu"][i] / orr["cpu"][i] for i in range(k))
        for p in impls:
            if p != "onebit":
                row += " %s |" % ("%.2fx" % ratios[p] if p in ratios else "-")
        want, against = TARGET.get(kind, (None, ""))
        got = None
        if against == "best peer" and ratios:
            got = min(ratios.values())
        elif against in ratios:
            got = ratios[against]
        if want is None or got is None:
            row += " - |"
        else:
            row += " >= %.2fx %s: %s |" % (want, against, "met" if got >= want else "not met (%.2fx)" % got)
        out.append(row)
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
