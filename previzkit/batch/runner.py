"""Running a per-take job over a project's takes: on Dask (a LocalCluster by default,
or a scheduler address for a render farm) or serially in this process.

One Dask task per take (:func:`previzkit.batch.jobs.run_take_job`), keyed by
job and take so a resubmission is the same task. A take's own failure comes back as
its result (status ``failed``); a worker that dies mid-task has its task retried on
another worker by the scheduler (``retries`` more times); a task lost past that is
reported failed for its take, and the rest go on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previzkit.batch.jobs import JOBS, run_take_job
from previzkit.core.errors import InputError, TakeStoreError
from previzkit.core.optional import require
from previzkit.core.progress import ProgressFn

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    """Results per take (dicts as :class:`~previzkit.batch.jobs.TaskResult`)."""

    job: str
    results: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r["status"] == status)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == "failed"]

    def summary(self) -> str:
        return (
            f"batch {self.job}: {len(self.results)} takes, {self.count('ok')} done, "
            f"{self.count('skipped')} skipped (already done), {self.count('failed')} failed"
        )


def project_takes(project: str | Path, scene: str | None = None) -> list[tuple[str, str, int]]:
    """(scene, shot, take) of every usable take in the project (status ok/recovered)."""
    from previzkit.takes.store import TakeStore

    if not (Path(project) / "takes.sqlite").is_file():
        raise TakeStoreError(f"project {project}: no take store (takes.sqlite) there")
    with TakeStore(project, create=False) as store:
        takes = store.list(scene=scene) if scene else store.list()
    return [(t.scene, t.shot, t.take) for t in takes if t.status in ("ok", "recovered")]


def _client(scheduler: Any, workers: int) -> tuple[Any, Any, bool]:
    """(client, local cluster or None, whether this call opened the client)."""
    distributed = require("dask.distributed", "batch", "batch runs on Dask")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # loopback: it serves logs and call stacks
        )
        return Client(cluster), cluster, True
    if isinstance(scheduler, str):
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise InputError(f"--scheduler {scheduler!r}: expected an address like tcp://HOST:8786")
        try:
            return Client(scheduler, timeout="10s"), None, True
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect: {exc}") from None
    return scheduler, None, False  # a Client given by the caller


def run_batch(
    job: str,
    project: str | Path,
    *,
    scheduler: Any = None,
    workers: int = 2,
    takes: Sequence[tuple[str, str, int]] | None = None,
    options: dict[str, Any] | None = None,
    retries: int = 2,
    progress: ProgressFn | None = None,
    on_submitted: Callable[[Any, list[Any]], None] | None = None,
) -> BatchReport:
    """Run ``job`` on every take of ``project`` (or ``takes``). ``scheduler``: None for
    a LocalCluster of ``workers`` processes, ``"serial"`` for this process, an address
    (``tcp://HOST:8786``) or a dask Client. Results come back in take order."""
    if job not in JOBS:
        raise InputError(f"batch job {job!r}: not one of {', '.join(JOBS)}")
    project = str(Path(project).resolve())
    todo = list(takes) if takes is not None else project_takes(project)
    report = BatchReport(job)
    opts = dict(options or {})
    if scheduler == "serial":
        for i, (scene, shot, take) in enumerate(todo, 1):
            report.results.append(run_take_job(job, project, scene, shot, take, opts))
            if progress is not None:
                progress(i, len(todo))
        return report
    client, cluster, owned = _client(scheduler, workers)
    try:
        as_completed = require("dask.distributed", "batch", "batch runs on Dask").as_completed

        # Keys unique per run: a cluster keeps finished keys while any client holds
        # them, so a key reused by a later run (or another project) would hand back
        # that earlier result instead of running the job.
        run_id = uuid.uuid4().hex[:12]
        futures = [
            client.submit(
                run_take_job,
                job,
                project,
                scene,
                shot,
                take,
                opts,
                key=f"previzkit-{job}-{scene}-{shot}-{take}-{run_id}",
                retries=retries,
                pure=False,
            )
            for scene, shot, take in todo
        ]
        if on_submitted is not None:
            on_submitted(client, futures)
        by_key = {}
        for i, fut in enumerate(as_completed(futures), 1):
            label = "/".join(str(x) for x in todo[futures.index(fut)])
            try:
                by_key[fut.key] = fut.result()
            except Exception as exc:  # KilledWorker past retries, lost scheduler, ...
                by_key[fut.key] = {
                    "label": label,
                    "job": job,
                    "status": "failed",
                    "message": f"{type(exc).__name__}: {exc}",
                }
                log.warning("take %s: %s failed: %s", label, job, exc)
            if progress is not None:
                progress(i, len(futures))
        report.results = [by_key[f.key] for f in futures]
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()
    return report
