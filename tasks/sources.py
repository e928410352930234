"""Prefect tasks that bring pages from the web into the raw store: robots.txt, feeds, pages.

Each URL is its own task run so that Prefect retries it alone, with exponential backoff, when the server
fails transiently (timeout, connection error, 5xx, 429: web.TransientFetchError); any other answer (404,
disallowed, a host that does not resolve, too large) is a result, not a failure, and is not retried. The
HTTP client and the per-host limiter are one per process, shared by the fetch threads of a flow run: the
flow runs these tasks in its own process (flows/pipeline.py, _fetch_sources), so the limits hold for the
whole run whatever task runner its other stages use.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from econ_news.sources import intake, web
from econ_news.sources.config import FetchSettings


@cache
def shared_client(settings: FetchSettings):
    return web.make_client(settings)


@cache
def shared_limiter(per_host_concurrency: int, per_host_requests_per_second: float) -> web.HostLimiter:
    return web.HostLimiter(per_host_concurrency, per_host_requests_per_second)


def _limiter(settings: FetchSettings) -> web.HostLimiter:
    return shared_limiter(settings.per_host_concurrency, settings.per_host_requests_per_second)


def transient_only(task: Task, task_run: TaskRun, state: State) -> bool:
    """Retry a fetch only when the server may answer next time."""
    return isinstance(state.result(raise_on_failure=False), web.TransientFetchError)


@task(name="read-robots-txt", cache_policy=NO_CACHE, retry_condition_fn=transient_only)
def read_robots(origin: str, settings: FetchSettings, policy: web.AddressPolicy) -> web.Robots:
    robots = web.read_robots(shared_client(settings), origin, settings, _limiter(settings), policy)
    if robots.failure:
        get_run_logger().warning("robots.txt of %s: %s %s", origin, robots.failure, robots.detail)
    return robots


@task(name="fetch-feed", cache_policy=NO_CACHE, retry_condition_fn=transient_only)
def fetch_feed(url: str, source: str, settings: FetchSettings, robots: web.Robots, raw_dir: str,
               timezone: str, policy: web.AddressPolicy, allowed_hosts: tuple[str, ...]) -> intake.FetchOutcome:
    got = intake.fetch_feed(shared_client(settings), url, source, settings, _limiter(settings), robots,
                            Path(raw_dir), timezone, policy, allowed_hosts)
    get_run_logger().info("feed %s: %s, %d links (%d on hosts the source does not allow, %d over the cap)",
                          url, got.outcome, len(got.links), len(got.off_source), got.over_cap)
    return got


@task(name="fetch-page", cache_policy=NO_CACHE, retry_condition_fn=transient_only)
def fetch_page(url: str, source: str, settings: FetchSettings, robots: web.Robots, raw_dir: str,
               timezone: str, policy: web.AddressPolicy) -> intake.FetchOutcome:
    got = intake.fetch_page(shared_client(settings), url, source, settings, _limiter(settings), robots,
                            Path(raw_dir), timezone, policy)
    get_run_logger().info("page %s: %s %s", url, got.outcome, got.detail)
    return got


def with_retries(fetch_task: Task, settings: FetchSettings) -> Task:
    """The task with the sources file's retry count and backoff (first delay, doubled each time)."""
    return fetch_task.with_options(retries=settings.retries, retry_delay_seconds=settings.retry_delays())
