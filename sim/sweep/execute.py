"""Running a sweep: a bounded stream of runs through a process pool or a Dask cluster.

Only a few runs per worker are in flight at once and finished runs are
written out in chunks, so memory stays bounded however long the sweep. Runs
already in the folder are skipped, which is how an interrupted sweep resumes.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.sweep.load import Sweep
from sim.sweep.models import run_one
from sim.sweep.store import Store, runs_schema

IN_FLIGHT_PER_WORKER = 4
DEFAULT_CHUNK_RUNS = 200
DEFAULT_FLUSH_S = 30.0


class SchedulerError(ValueError):
    """The Dask scheduler given cannot be reached."""


@dataclass
class Progress:
    total: int
    done_before: int
    ran: int = 0
    failed: int = 0
    timed_out: int = 0
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.done_before + self.ran == self.total


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None,
              scheduler: Any = None, chunk_runs: int = DEFAULT_CHUNK_RUNS,
              flush_s: float = DEFAULT_FLUSH_S, progress: bool = False,
              spec_text: str | None = None, retry_failed: bool = False) -> Progress:
    """Run every run of ``sweep`` not yet in ``out``; return what was done.

    ``scheduler``: a Dask scheduler address (or ``distributed.Client``); without
    it, a local process pool of ``workers`` processes (default: every core).
    ``retry_failed``: runs recorded as failed or timed out run again.
    """
    store = Store(out)
    store.open(sweep, spec_text)
    if retry_failed:
        store.drop_unfinished()
    done = store.done_ids()
    todo = sweep.runs[~sweep.runs["run_id"].isin(done)]
    state = Progress(total=len(sweep.runs), done_before=len(done))
    if todo.empty:
        return state
    started = time.monotonic()
    pool = (DaskPool(scheduler, sweep.model) if scheduler is not None
            else LocalPool(workers or available_cores(), sweep.model))
    try:
        _stream(sweep, store, pool, todo, state, chunk_runs, flush_s, progress)
    finally:
        pool.close()
        state.seconds = time.monotonic() - started
    return state


def run_to_table(spec, out: str | Path, base_dir: str | Path = ".", **options):
    """Prepare ``spec`` (a dict, ``SweepSpec`` or path to a .toml), run it, return the runs."""
    from sim.sweep.load import load_spec, prepare
    from sim.sweep.store import read_runs

    path = isinstance(spec, str | Path)
    sweep = load_spec(spec) if path else prepare(spec, base_dir=base_dir)
    run_sweep(sweep, out, **options)
    return read_runs(out)


def _stream(sweep, store, pool, todo, state, chunk_runs, flush_s, progress) -> None:
    from tqdm.auto import tqdm

    schema = runs_schema(sweep.kinds, sweep.outcomes)
    limit = sweep.spec.timeout_s
    pending_runs = iter(todo.to_dict(orient="records"))
    in_flight: dict[Any, dict] = {}
    rows: list[dict] = []
    series: list = []
    last_flush = time.monotonic()
    bar = tqdm(total=state.total, initial=state.done_before, unit="run", disable=not progress,
               desc="sweep", dynamic_ncols=True, smoothing=0.1)

    def flush() -> None:
        nonlocal rows, series, last_flush
        if rows:
            store.write_chunk(rows, series, schema)
        rows, series, last_flush = [], [], time.monotonic()

    try:
        while True:
            while len(in_flight) < pool.capacity * IN_FLIGHT_PER_WORKER:
                run = next(pending_runs, None)
                if run is None:
                    break
                in_flight[pool.submit(run, sweep.parameters, limit)] = run
            if not in_flight:
                break
            finished = []
            for future in pool.wait(list(in_flight), timeout=min(flush_s, 5.0)):
                run = in_flight.pop(future)
                try:
                    finished.append((run, *_result(future, run)))
                except cf.process.BrokenProcessPool:
                    # A worker died: which run killed it is unknown, so every run in
                    # flight runs again on its own in a fresh pool.
                    suspects = [run, *in_flight.values()]
                    in_flight.clear()
                    pool.restart()
                    finished += [(one, *_alone(pool, one, sweep.parameters, limit))
                                 for one in suspects]
                    break
            for run, row, run_series in finished:
                rows.append({**run, **row})
                if run_series is not None:
                    series.append(run_series)
                state.ran += 1
                state.failed += row["status"] == "error"
                state.timed_out += row["status"] == "timeout"
                bar.update(1)
                bar.set_postfix(failed=state.failed, timed_out=state.timed_out, refresh=False)
            if len(rows) >= chunk_runs or time.monotonic() - last_flush >= flush_s:
                flush()
    finally:
        flush()
        bar.close()


WORKER_DIED = ("the worker process died running this run (out of memory, killed, or a "
               "crash in native code)")


def _result(future, run: dict) -> tuple[dict, Any]:
    """The row of a finished future; a worker lost on a cluster is that run's error.

    A local worker that died raises ``BrokenProcessPool`` for the caller to handle.
    """
    try:
        return future.result()
    except cf.process.BrokenProcessPool:
        raise
    except Exception as exc:  # e.g. Dask's KilledWorker: recorded, the sweep goes on
        return _error_row(run, f"{type(exc).__name__}: {exc}"), None


def _error_row(run: dict, error: str) -> dict:
    return {"run_id": run["run_id"], "status": "error", "error": error[:2000],
            "traceback": "", "seconds": float("nan")}


def _alone(pool, run: dict, parameters, limit) -> tuple[dict, Any]:
    """``run`` on its own; if its worker dies again, the run is what kills it."""
    future = pool.submit(run, parameters, limit)
    pool.wait([future], timeout=None)
    try:
        return _result(future, run)
    except cf.process.BrokenProcessPool:
        pool.restart()
        return _error_row(run, WORKER_DIED), None


# -- where runs execute ---------------------------------------------------------
_MODEL = None


def _install(model) -> None:
    global _MODEL
    _MODEL = model


def _run_installed(run, parameters, limit):
    return run_one(_MODEL, run, parameters, limit)


class LocalPool:
    """A stdlib process pool; each worker receives the model once."""

    def __init__(self, workers: int, model):
        self.capacity, self.model = workers, model
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.sweep.models", "sim.model", "sim.sweep.warm"])
        return cf.ProcessPoolExecutor(max_workers=self.capacity, mp_context=context,
                                      initializer=_install, initargs=(self.model,))

    def restart(self) -> None:
        """A fresh pool after a worker died (the broken one cannot take work)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def submit(self, run, parameters, limit):
        return self.executor.submit(_run_installed, run, parameters, limit)

    def wait(self, futures, timeout: float):
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """A Dask cluster given its scheduler address; the model is sent to every worker once."""

    def __init__(self, scheduler, model):
        from distributed import Client

        self.own_client = not isinstance(scheduler, Client)
        try:
            self.client = Client(scheduler, timeout="10s") if self.own_client else scheduler
        except (OSError, ValueError, TypeError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler {scheduler!r} ({exc})") from None
        self.model = self.client.scatter(model, broadcast=True, hash=False)
        self.capacity = max(1, sum(self.client.nthreads().values()))

    def submit(self, run, parameters, limit):
        return self.client.submit(run_one, self.model, run, parameters, limit, pure=False)

    def wait(self, futures, timeout: float):
        from distributed import wait

        try:
            return wait(futures, timeout=timeout, return_when="FIRST_COMPLETED").done
        except TimeoutError:
            return set()

    def close(self) -> None:
        if self.own_client:
            self.client.close()
