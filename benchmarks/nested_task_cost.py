"""CPU cost of one nested stage task run (the flow process and its Prefect server), as process_batch calls them.

Usage: python benchmarks/nested_task_cost.py [N]   (N stage calls, plain and as nested task runs; psutil, dev extra)
"""
import sys, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from flows.settings import configure_environment
configure_environment()
import psutil
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

N = int(sys.argv[1]) if len(sys.argv) > 1 else 120
payload = [{"text": "x" * 2000, "i": i} for i in range(500)]

@task(name="stage", cache_policy=NO_CACHE)
def stage(items, result):
    result.append(len(items))
    return items

@task(name="batch", cache_policy=NO_CACHE)
def batch(n, nested):
    out = []
    for _ in range(n):
        (stage(quote(payload), quote(out)) if nested else stage.fn(payload, out))
    return len(out)

def tree_cpu():
    me = psutil.Process()
    procs = [me] + me.children(recursive=True)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times(); total += t.user + t.system
        except psutil.Error:
            pass
    return total

@flow
def measure():
    batch(2, True)  # warm up
    got = {}
    for nested in (False, True):
        c0, w0 = tree_cpu(), time.monotonic()
        batch(N, nested)
        got[nested] = (tree_cpu() - c0, time.monotonic() - w0)
    return got

got = measure()
plain, nested = got[False], got[True]
print(f"{N} stage calls: plain {plain[0]:.2f} s CPU; nested task runs {nested[0]:.2f} s CPU (client + server), "
      f"{nested[1]:.2f} s wall; per nested task run {(nested[0]-plain[0])/N*1000:.1f} ms CPU")
