"""The plugin registry: built-ins, entry-point plugins, absent ones with their reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from previzkit.core.errors import InputError
from previzkit.core.registry import Registry
from previzkit.edit.exporters import EXPORTERS, find_exporter


@pytest.fixture
def plugin_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed third-party distribution declaring two plugins by entry point."""
    (tmp_path / "pzk_plugins").mkdir()
    (tmp_path / "pzk_plugins" / "__init__.py").write_text("")
    (tmp_path / "pzk_plugins" / "good.py").write_text("PLUGIN = 'good plugin'\nOTHER = 'other'\n")
    (tmp_path / "pzk_plugins" / "broken.py").write_text("import pzk_not_installed_anywhere\n")
    info = tmp_path / "pzk_plugins-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pzk-plugins\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[pzk.test_plugins]\n"
        "good = pzk_plugins.good\n"
        "other = pzk_plugins.good:OTHER\n"
        "broken = pzk_plugins.broken\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("pzk_plugins")]:
        del sys.modules[name]


def test_entry_points_add_plugins_and_a_broken_one_is_left_out(plugin_package: Path) -> None:
    reg: Registry[str] = Registry(
        "test plugin", "PLUGIN", {"builtin": "previzkit.core.sizes"}, group="pzk.test_plugins"
    )
    assert reg.names() == ["builtin", "good", "other", "broken"]
    assert reg.available() == {"good": "good plugin", "other": "other"}
    why = reg.unavailable()
    assert "previzkit.core.sizes has no PLUGIN" in why["builtin"]
    assert "pzk_plugins.broken does not import" in why["broken"]
    assert "pzk_not_installed_anywhere" in why["broken"]


def test_accept_turns_a_plugin_away_with_its_reason(plugin_package: Path) -> None:
    reg: Registry[str] = Registry(
        "test plugin",
        "PLUGIN",
        {},
        group="pzk.test_plugins",
        accept=lambda p: None if p == "good plugin" else "not good enough",
    )
    assert list(reg.available()) == ["good"]
    assert reg.why_not("other") == "not good enough"


def test_unknown_name_lists_the_known_ones() -> None:
    reg: Registry[str] = Registry("test plugin", "PLUGIN", {"a": "previzkit.core.sizes"})
    with pytest.raises(InputError, match=r"test plugin 'zzz': unknown; known: a"):
        reg.load("zzz")


def test_every_builtin_exporter_loads_here() -> None:
    # opentimelineio-plugins and otio-fcpx-xml-adapter are installed with previzkit[edit]
    assert set(EXPORTERS.available()) == {"otio_native", "edl", "fcp7", "fcpx", "aaf", "xges"}
    assert find_exporter("cut.edl").adapter == "cmx_3600"
