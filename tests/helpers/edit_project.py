"""The takes of the edit tests' project (tests/edit/conftest.py builds it) and the take
each shot's scoring should choose."""

from __future__ import annotations

from previzkit.core.resources import asset_path

FPS = 24
FRAMES = 72  # 3 s takes


def _near_mark_a() -> tuple[float, float]:
    """10 cm from mark A of scene 2's set (the plan picks previzkit/assets/sets/warehouse.yaml)."""
    from previzkit.model.setfile import load_set

    x, z = load_set(asset_path("sets", "warehouse.yaml")).marks["A"].position
    return (x, z + 0.1)


NEAR_A = _near_mark_a()

# (shot, take, circled, rating, confidence, dropouts, status, mark xz, action frames)
TAKES = [
    ("1-A", 1, False, 0, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-B", 1, False, 5, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-B", 2, True, 2, 0.80, 0.1, "ok", (0.0, 0.0), (12, 60)),  # circled wins
    ("1-B", 3, False, 0, 0.99, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-F", 1, False, 0, 0.40, 0.3, "ok", (0.0, 0.0), (12, 60)),
    ("1-F", 2, False, 0, 0.97, 0.0, "ok", (0.0, 0.0), (12, 60)),  # tracking wins
    ("1-G", 1, False, 3, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),  # rating wins
    ("1-G", 2, False, 0, 0.99, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("2-B", 1, False, 0, 0.95, 0.0, "ok", NEAR_A, (12, 60)),  # hits mark A
    ("2-B", 2, False, 0, 0.95, 0.0, "recovered", NEAR_A, (12, 60)),
    ("2-B", 3, False, 0, 0.95, 0.0, "ok", (3.0, 3.0), (12, 60)),  # misses its mark
]
EXPECTED = {"1-A": 1, "1-B": 2, "1-F": 2, "1-G": 1, "2-B": 1}


def camera_focal(index: int) -> tuple[float, float]:
    """First and last focal length (mm) of the camera track of ``TAKES[index]`` (the
    scene 1 takes have one)."""
    return (30.0 + index, 50.0)
