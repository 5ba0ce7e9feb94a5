"""Convergence benchmark (issue 15, item 7): for each seed, a generated world synced under
the reliability fault mix (20 % throttled, 5 % 503, 1 % dropped, latency recorded) next to
a fault-free twin, a full sync and then an incremental one, each phase run until the
faulted world reaches the twin's Emply state. Prints, per seed and in total, how many runs
each phase needed, how many were stopped by SAFE-1 or left partial, and checks the bound:

    a phase converges at its first run that ends ``success`` (every read complete, every
    change made), so within  stops + partials + 1  runs; a ``success`` run that does not
    reach the twin's state is a bound violation (must be 0).

It also prints the measured stop probability per run next to the one the fault rate
predicts (p = 1 - (1 - r**6)**R for R requests per run), and the share of phases that
needed more than 3 runs.

    python benchmarks/convergence.py [--seeds 100] [--users 300] [--first 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from emply_sim.reliability import FAULTS, MAX_RUNS, RETRY_ATTEMPTS, measure_faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--first", type=int, default=0, help="first seed")
    args = parser.parse_args(argv)
    command = (f"python benchmarks/convergence.py --seeds {args.seeds} --users {args.users} "
               f"--first {args.first}")
    print(f"command: {command}")
    started = time.perf_counter()
    runs_needed: Counter[int] = Counter()
    statuses: Counter[str] = Counter()
    violations, unconverged, requests, runs_total, worst = 0, 0, 0, 0, 0
    for seed in range(args.first, args.first + args.seeds):
        report = measure_faults(seed, users=args.users)
        statuses.update(o.status for o in report.runs)
        violations += len(report.bound_violations)
        unconverged += len(report.unconverged_phases)
        requests += report.requests
        runs_total += len(report.runs)
        for phase, count in report.runs_to_converge.items():
            runs_needed[count] += 1
            worst = max(worst, count)
            stops = sum(1 for o in report.runs if o.phase == phase and o.status == "failure")
            partial = sum(1 for o in report.runs if o.phase == phase and o.status == "partial")
            if count > stops + partial + 1:
                violations += 1
        print(f"seed {seed}: runs {[o.status for o in report.runs]}, converged after "
              f"{report.runs_to_converge}, bound violations {len(report.bound_violations)}, "
              f"not converged within {MAX_RUNS}: {report.unconverged_phases}", flush=True)
    phases = sum(runs_needed.values())
    rate = FAULTS["throttleRate"] + FAULTS["unavailableRate"] + FAULTS["dropRate"]
    per_run = requests / max(runs_total, 1)
    predicted = 1 - (1 - rate ** RETRY_ATTEMPTS) ** per_run
    measured = statuses["failure"] / max(runs_total, 1)
    print(f"seeds {args.seeds} x {args.users} users: phases {phases}, runs {runs_total} "
          f"({dict(sorted(statuses.items()))}); runs needed per phase "
          f"{dict(sorted(runs_needed.items()))}, worst {worst}; phases needing more than 3 "
          f"runs {sum(n for k, n in runs_needed.items() if k > 3)}")
    print(f"SAFE-1 stop per run: measured {measured:.3f}, predicted {predicted:.3f} "
          f"(fault rate {rate:.2f} per attempt, {RETRY_ATTEMPTS} attempts, "
          f"{per_run:.0f} requests per run)")
    print(f"bound violations (a success run short of the fault-free state, or more runs than "
          f"stops + partials + 1): {violations}; phases not converged within {MAX_RUNS} runs: "
          f"{unconverged}; {time.perf_counter() - started:.0f} s")
    return 1 if violations or unconverged else 0


if __name__ == "__main__":
    sys.exit(main())
