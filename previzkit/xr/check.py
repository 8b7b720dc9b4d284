"""``previzkit xr --check``: open a session, run a few frames, report what was found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from previzkit.xr.loop import LoopStats

if TYPE_CHECKING:
    from previzkit.xr.headset import HeadsetSource


@dataclass
class CheckReport:
    runtime: str
    system: str
    view_sizes: list[tuple[int, int]]
    binding: str
    color_format: str
    depth_layer: bool
    reference_space: str
    profiles: list[str]
    states: list[str]
    timing: dict[str, float] = field(default_factory=dict)
    manifest: str = ""  # the runtime manifest and where it came from

    def lines(self) -> list[str]:
        t = self.timing
        sizes = ", ".join(f"{w}x{h}" for w, h in self.view_sizes)
        out = [
            f"runtime        {self.runtime}",
            *([f"manifest       {self.manifest}"] if self.manifest else []),
            f"system         {self.system}",
            f"views          {len(self.view_sizes)}: {sizes}",
            f"graphics       OpenGL via {self.binding.upper()}, swapchain {self.color_format}, depth layer {'yes' if self.depth_layer else 'no'}",
            f"space          {self.reference_space}",
            f"controllers    {', '.join(p.rsplit('/', 1)[-1] for p in self.profiles)} bindings accepted",
            f"session        {' -> '.join(self.states)}",
        ]
        if t.get("frames"):
            out.append(
                f"frames         {int(t['frames'])} at {t['fps']:.1f} fps: frame {t['total_ms']:.2f} ms "
                f"= wait {t['wait_ms']:.2f} + previzkit {t['app_ms']:.2f} + submit {t['submit_ms']:.2f} ms"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_check(
    set_path: str | Path | None = None, frames: int = 30, validate: bool = False
) -> CheckReport:
    """Run ``frames`` frames in the headset with the set (or the test pattern) and report."""
    from previzkit.xr.app import xr_loop
    from previzkit.xr.swapchain import FORMAT_NAMES

    with xr_loop(set_path, validate=validate) as loop:
        src = cast("HeadsetSource", loop.source)  # xr_loop without offscreen
        info = src.instance.info
        stats: LoopStats = loop.run(frames=frames, timeout_s=max(30.0, frames * 0.5))
        sc = src.swapchains[0] if src.swapchains else None
        return CheckReport(
            runtime=f"{info.runtime_name} {info.runtime_version}",
            system=info.system_name,
            view_sizes=list(info.view_sizes),
            binding=src.session.binding.kind,
            color_format=FORMAT_NAMES.get(sc.color_format, "?") if sc else "?",
            depth_layer=bool(sc and sc.depth is not None),
            reference_space=src.session.space_kind,
            profiles=list(src.actions.profiles),
            states=stats.states,
            timing=stats.summary(),
            manifest=src.instance.runtime.describe(),
        )
