"""Heavy views (Monte Carlo bands, the build-out) run as jobs in background threads: at most
:data:`~terawatt.dashboard.limits.MAX_HEAVY_JOBS` at once (more are refused as busy), with progress the page polls
and a cancel that stops a Monte Carlo at its next chunk (the study calls ``progress`` after each chunk).

For tests only, a runner can be *held* (:meth:`JobRunner.hold` / :meth:`JobRunner.release`): while held, a job that
starts stays ``running`` at progress 0 before its work begins, until the runner is released (then it runs) or the job
is cancelled (then it ends ``cancelled`` without computing). This makes "progress shows, cancel works" deterministic
however fast the computation is. The page's own runner is never held: nothing a request sends, no option and no
environment variable reaches it; only code that builds the server with its own runner
(``make_server(runner=...)``) can hold it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from terawatt.dashboard.limits import KEPT_JOBS, MAX_HEAVY_JOBS

#: How often (s) a held job looks whether it was cancelled.
HOLD_POLL_S = 0.02


class Cancelled(Exception):
    """Raised inside a job's progress callback once the job was cancelled."""


@dataclass
class Job:
    """One heavy computation: its state (``running`` | ``done`` | ``failed`` | ``cancelled``), progress in [0, 1],
    result or error message."""

    key: str
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    status: str = "running"
    progress: float = 0.0
    result: Any = None
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def report(self, done: int, total: int) -> None:
        """Progress callback handed to the study: records ``done / total``; raises :class:`Cancelled` once
        :meth:`cancel` was called."""
        if self.cancel_event.is_set():
            raise Cancelled
        self.progress = done / total if total else 0.0

    def cancel(self) -> None:
        self.cancel_event.set()
        if self.status == "running":
            self.status = "cancelled"

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


class JobRunner:
    """Runs jobs in threads, at most ``limit`` at once; keeps the last :data:`KEPT_JOBS` by id and by key (the
    computation's identity: the same view asked again is the same job)."""

    def __init__(self, limit: int = MAX_HEAVY_JOBS):
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_key: dict[str, str] = {}
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        """Test hook: jobs that start from now on wait before their work until :meth:`release` (or their cancel)."""
        self._open.clear()

    def release(self) -> None:
        """Test hook: let held and later jobs run (the default state)."""
        self._open.set()

    def get(self, job_id: str | None) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id or "")

    def running(self) -> int:
        with self._lock:
            return sum(j.status == "running" for j in self._jobs.values())

    def submit(self, key: str, work: Callable[[Callable[[int, int], None]], Any]) -> Job | None:
        """The job for ``key``: the running or finished one if any, else a new one running ``work(progress)``;
        ``None`` when :attr:`limit` jobs are already running (busy)."""
        with self._lock:
            old = self._jobs.get(self._by_key.get(key, ""))
            if old is not None and old.status in ("running", "done"):
                return old
        if not self._slots.acquire(blocking=False):
            return None
        job = Job(key)
        with self._lock:
            self._jobs[job.id] = job
            self._by_key[key] = job.id
            while len(self._jobs) > KEPT_JOBS:
                dropped_id, dropped = self._jobs.popitem(last=False)
                if self._by_key.get(dropped.key) == dropped_id:
                    del self._by_key[dropped.key]
        threading.Thread(target=self._run, args=(job, work), daemon=True, name=f"terawatt-job-{job.id}").start()
        return job

    def _run(self, job: Job, work: Callable[[Callable[[int, int], None]], Any]) -> None:
        try:
            while not self._open.wait(HOLD_POLL_S) and not job.cancel_event.is_set():
                pass
            if job.cancel_event.is_set():  # cancelled before its work began (held, or at once)
                raise Cancelled
            result = work(job.report)
            if job.cancel_event.is_set():
                job.status = "cancelled"
            else:
                job.result, job.progress, job.status = result, 1.0, "done"
        except Cancelled:
            job.status = "cancelled"
        except Exception as exc:  # noqa: BLE001 - shown on the page, never a traceback to the user
            from terawatt.errors import ScenarioError

            job.error = "; ".join(str(e) for e in exc.errors) if isinstance(exc, ScenarioError) else (
                f"{type(exc).__name__}: {exc}")
            job.status = "failed"
        finally:
            self._slots.release()
