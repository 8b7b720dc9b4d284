"""previzkit.script: Fountain screenplays, breakdown, timing and the shot plan.

``parse(text) -> Script`` is pure; :func:`read_script` reads a file; :func:`write`
gives Fountain back; :func:`breakdown` and :func:`plan_shots` derive the scene
breakdown and the coverage plan (saved/loaded as YAML by ``save_shot_plan`` /
``load_shot_plan``).
"""

from previzkit.script.breakdown import Breakdown, SceneBreakdown, TimingModel, breakdown
from previzkit.script.headings import parse_heading
from previzkit.script.model import (
    Boneyard,
    Element,
    ElementType,
    Heading,
    ParseWarning,
    Scene,
    Script,
    TitleField,
)
from previzkit.script.parser import parse
from previzkit.script.reader import read_script
from previzkit.script.shots import (
    ScenePlan,
    Shot,
    ShotPlan,
    load_shot_plan,
    plan_shots,
    save_shot_plan,
)
from previzkit.script.writer import write

__all__ = [
    "Boneyard",
    "Breakdown",
    "Element",
    "ElementType",
    "Heading",
    "ParseWarning",
    "Scene",
    "SceneBreakdown",
    "ScenePlan",
    "Script",
    "Shot",
    "ShotPlan",
    "TimingModel",
    "TitleField",
    "breakdown",
    "load_shot_plan",
    "parse",
    "parse_heading",
    "plan_shots",
    "read_script",
    "save_shot_plan",
    "write",
]
