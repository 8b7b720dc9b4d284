"""Stand-in sets built from kit parts and furniture read back as set files; the user's sets are
found by location name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.production import standin
from previzkit.script.locations import find_set, location_matches


@pytest.mark.parametrize(
    ("int_ext", "interior"), [("INT", True), ("EXT", False), ("INT/EXT", False)]
)
def test_standin_reads_back_with_its_kit(tmp_path: Path, int_ext: str, interior: bool) -> None:
    from previzkit.model.setfile import load_set
    from previzkit.render.mesh import load_mesh

    path = standin.write_standin(tmp_path, "kitchen", "KITCHEN", int_ext, 5)
    s = load_set(path)
    assert len(s.marks) == 5
    walls = [p for p in s.props if p.name.startswith("wall")]
    assert (len(walls) == 3) == interior
    for piece in standin.FURNITURE:
        assert load_mesh(tmp_path / "furniture" / f"{piece}.glb")
    kit = {p.name: p.kit for p in s.props if p.kit is not None}
    walls_and_house = [k for k in kit.values() if k.part == "wall"]
    openings = [o for k in walls_and_house for o in k.kwargs()["openings"]]
    assert sorted(o.type for o in openings) == (
        ["door", "window", "window"] if interior else ["door", "window"]
    )  # doors and windows cut through the kit walls, no stretched boxes
    assert kit["door"].part == "door" and kit["window"].part == "window"  # props of their own
    assert interior or kit["steps"].part == "stairs"
    # every mark is clear of the furniture and inside the room's walls
    marks = np.array([m.position for m in s.marks.values()])
    table = next(p for p in s.props if p.name == "table").position
    assert np.all(np.hypot(marks[:, 0] - table[0], marks[:, 1] - table[2]) > 1.0)
    assert np.all(np.abs(marks[:, 0]) < standin.ROOM[0] / 2 - 0.5)


def test_marks_are_distinct_for_many_characters() -> None:
    for n in (2, 5, 9):
        marks = standin.mark_positions(n)
        assert len(set(marks)) == n


def test_furniture_is_written_once(tmp_path: Path) -> None:
    first = standin.write_furniture(tmp_path)
    stamp = {k: p.stat().st_mtime_ns for k, p in first.items()}
    again = standin.write_furniture(tmp_path)
    assert {k: p.stat().st_mtime_ns for k, p in again.items()} == stamp


def test_user_sets_found_by_location(tmp_path: Path) -> None:
    (tmp_path / "warehouse.yaml").write_text("name: w\n")
    assert find_set("WAREHOUSE - PROJECTION BOOTH", {}, [tmp_path]) == tmp_path / "warehouse.yaml"
    assert find_set("Mara's Loft", {"MARA'S LOFT": Path("loft.yaml")}) == Path("loft.yaml")
    assert find_set("ROOFTOP", {}, [tmp_path]) is None
    assert location_matches("warehouse", "WAREHOUSE - BOOTH")
    assert not location_matches("booth", "WAREHOUSE - BOOTH")
