"""A scene heading picks the environment model's condition; the plan carries it to the set."""

from __future__ import annotations

import pytest

from previzkit.core.errors import InputError
from previzkit.model.conditions import CONDITIONS, check_condition, condition_for_heading


@pytest.mark.parametrize(
    ("heading", "condition"),
    [
        ("EXT. ROOFTOP - NIGHT", "night"),
        ("EXT. ROOFTOP - LATER THAT NIGHT", "night"),
        ("EXT. ALLEY - MIDNIGHT", "night"),
        ("INT. WAREHOUSE - DAY", "interior"),
        ("INT. WAREHOUSE - NIGHT", "interior"),
        ("int. kitchen - dawn", "interior"),
        ("EXT. PIER - DAWN", "dusk"),
        ("EXT. PIER - DUSK", "dusk"),
        ("EXT. BEACH - SUNSET", "dusk"),
        ("EXT. FIELD - SUNRISE", "dusk"),
        ("EXT. STREET - EVENING", "dusk"),
        ("EXT. STREET - MAGIC HOUR", "dusk"),
        ("EXT. PARK - DAY", "day"),
        ("EXT. PARK - MORNING", "day"),
        ("EXT. PARK - AFTERNOON", "day"),
        ("EXT. FIELD", "day"),
        ("EXT. FIELD - CONTINUOUS", "day"),
        ("INT./EXT. CAR - NIGHT", "night"),
        ("I/E CAR - DAY", "day"),
        ("EXT. NIGHTCLUB - DAY", "day"),  # the location's words do not count
    ],
)
def test_condition_for_heading(heading, condition):
    assert condition_for_heading(heading) == condition


def test_carried_time_uses_the_default():
    assert condition_for_heading("EXT. FIELD - MOMENTS LATER", default_time="night") == "night"


def test_check_condition_names_the_bad_value():
    assert check_condition(" Night ") == "night"
    assert set(CONDITIONS) == {"night", "dusk", "day", "interior"}
    with pytest.raises(InputError, match=r"'noon'.*night, dusk, day, interior"):
        check_condition("noon")


def test_scene_plan_uses_the_environment_model_with_the_heading_condition():
    """Night and dusk scenes get the environment model; the set built for the scene
    carries the heading's condition, except where the set's own preset is a room
    (the shipped warehouse: INT. ... NIGHT keeps its real interior)."""
    from pathlib import Path

    from previzkit.core.resources import assets_dir
    from previzkit.model.setfile import load_set
    from previzkit.production.coverage import scene_set
    from previzkit.script import parse, plan_shots

    plan = plan_shots(
        parse(
            "EXT. ROOFTOP - NIGHT\n\nMARA\nHi.\n\nINT. WAREHOUSE - NIGHT\n\nMARA\nHi.\n\n"
            "EXT. PIER - DUSK\n\nMARA\nHi.\n\nEXT. PARK - DAY\n\nMARA\nHi.\n"
        )
    )
    skies = [sc.sky_model for sc in plan.scenes]
    assert skies[:3] == ["models/genai/environment.pt"] * 3 and skies[3] is None
    conds = []
    for sc in plan.scenes[:3]:
        base = load_set(assets_dir() / sc.set_file)
        s = scene_set(base, sc, assets_dir())
        if sc.heading.startswith("INT."):
            assert s.background.model is None
            assert s.background.environment == base.background.environment == "warehouse"
            continue
        assert s.background.model == Path(assets_dir() / "models/genai/environment.pt")
        conds.append(s.background.condition)
    assert conds == ["night", "dusk"]
