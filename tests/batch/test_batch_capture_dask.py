"""Batch capture over recorded takes on a Dask LocalCluster with 2 worker processes
equals the serial run; a take already done is skipped; a killed worker's task is
retried and the batch still completes."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media, pytest.mark.slow]


def _tracks(project: Path) -> dict[str, list[tuple[int, float, int, bytes]]]:
    from previzkit.model.pose_track import read_track

    out = {}
    for p in sorted(project.glob("takes/*/*/*/capture.pzt")):
        t = read_track(p)
        out[str(p.relative_to(project))] = [
            (f.index, f.time, q.actor_id, np.round(q.world, 5).tobytes())
            for f in t.frames
            for q in f.people
        ] + [("frames", len(t.frames))]
    return out


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as c,
        Client(c) as client,
    ):
        yield client


def test_two_workers_equal_the_serial_run(recorded_project: Path, tmp_path: Path, cluster) -> None:
    import shutil

    from previzkit.batch.runner import run_batch

    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    shutil.copytree(recorded_project, serial)
    shutil.copytree(recorded_project, parallel)
    a = run_batch("capture", serial, scheduler="serial")
    b = run_batch("capture", parallel, scheduler=cluster)
    assert a.count("ok") == b.count("ok") == 4
    workers = {r["worker"] for r in b.results}
    assert all(w.split(":")[-1] != str(os.getpid()) for w in workers)  # ran in the workers
    ta, tb = _tracks(serial), _tracks(parallel)
    assert len(ta) == 4 and ta == tb
    assert any(len(v) > 1 for v in ta.values())  # some take has poses to compare
    # resumable: everything is skipped the second time
    again = run_batch("capture", parallel, scheduler=cluster)
    assert again.count("skipped") == 4


def test_local_cluster_by_default(project_copy: Path) -> None:
    from previzkit.batch.runner import run_batch

    report = run_batch("capture", project_copy, workers=2)
    assert report.count("ok") == 4 and not report.failed


def test_killed_worker_task_is_retried(project_copy: Path, cluster) -> None:
    from previzkit.batch.runner import run_batch

    killed: list[int] = []

    def kill_one(client, futures) -> None:
        def go() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    pids = client.run(os.getpid, workers=[busy[0]])
                    pid = pids[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
                time.sleep(0.02)

        threading.Thread(target=go, daemon=True).start()

    report = run_batch("capture", project_copy, scheduler=cluster, on_submitted=kill_one)
    assert killed, "no worker was busy to kill"
    assert report.count("ok") == 4, report.results
    assert all(str(killed[0]) != r["worker"].split(":")[-1] for r in report.results)
    assert len(list(project_copy.glob("takes/*/*/*/capture.pzt"))) == 4
    assert not list(
        project_copy.glob("takes/*/*/*/.*.tmp*")
    )  # the retry cleared the killed attempt's file


def test_scheduler_address_like_a_farm(project_copy: Path, cluster) -> None:
    from previzkit.batch.runner import run_batch

    address = cluster.scheduler.address
    assert address.startswith("tcp://")
    report = run_batch("capture", project_copy, scheduler=address)
    assert report.count("ok") == 4
    assert {r["worker"] for r in report.results} <= {
        f"{h}:{p}"
        for h, p in cluster.run(
            lambda: (__import__("socket").gethostname(), __import__("os").getpid())
        ).values()
    }
