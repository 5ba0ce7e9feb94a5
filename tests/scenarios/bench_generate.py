"""Print how long generating (and loading) 10,000 users takes: python tests/scenarios/bench_generate.py"""

import time

from mocks.generate import Options, generate
from mocks.world import World
from mocks.worldfile import load

started = time.perf_counter()
doc = generate(Options(users=10_000, groups=40, seed=7))
generated = time.perf_counter()
load(World(seed=7), doc)
loaded = time.perf_counter()
print(f"generate 10,000 users: {generated - started:.2f} s; "
      f"load them into a World: {loaded - generated:.2f} s")
