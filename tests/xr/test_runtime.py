"""Finding the OpenXR runtime: the loader's own search first, then installed manifests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from previzkit.xr import runtime
from previzkit.xr.runtime import (
    RuntimeChoice,
    active_runtime_paths,
    find_runtime,
    install_hint,
    quiet_loader,
    runtime_env,
)


def _manifest(folder: Path, name: str = "openxr_monado.json", lib: str = "libx.so") -> Path:
    """A runtime manifest in ``folder`` whose library ``lib`` (relative) exists."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / lib).write_bytes(b"")
    path = folder / name
    runtime_name = "Monado" if "monado" in name else "Other"
    body = {
        "file_format_version": "1.0.0",
        "runtime": {"name": runtime_name, "library_path": f"./{lib}"},
    }
    path.write_text(json.dumps(body))
    return path


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment whose every search folder is under tmp_path and empty."""
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "etcxdg"),
        "XDG_DATA_DIRS": str(tmp_path / "share"),
    }


def _find(env: dict[str, str], tmp_path: Path) -> RuntimeChoice:
    return find_runtime(env, cache_root=tmp_path / "cache")


def test_active_runtime_paths_follow_the_loader_order():
    paths = active_runtime_paths(
        {"XDG_CONFIG_HOME": "/u", "XDG_CONFIG_DIRS": "/a:relative:/b"}, "x86_64"
    )
    assert [str(p) for p in paths] == [
        f"{d}/openxr/1/active_runtime{arch}.json"
        for d in ("/u", "/a", "/b", "/etc")
        for arch in (".x86_64", "")
    ]
    defaults = [str(p) for p in active_runtime_paths({"HOME": "/h"}, "aarch64")]
    assert defaults[0] == "/h/.config/openxr/1/active_runtime.aarch64.json"
    assert defaults[2:4] == [
        "/etc/xdg/openxr/1/active_runtime.aarch64.json",
        "/etc/xdg/openxr/1/active_runtime.json",
    ]


def test_xr_runtime_json_wins_and_is_never_overridden(env, tmp_path):
    manifest = _manifest(tmp_path / "rt")
    env["XR_RUNTIME_JSON"] = str(manifest)
    _manifest(tmp_path / "home/.config/openxr/1", "active_runtime.json")
    choice = _find(env, tmp_path)
    assert (choice.manifest, choice.source, choice.name) == (manifest, "XR_RUNTIME_JSON", "Monado")
    assert choice.env == {"XRT_COMPOSITOR_NULL": "1"}  # Monado, no display
    assert "from XR_RUNTIME_JSON" in choice.describe()


def test_arch_specific_active_runtime_comes_first_and_user_before_system(env, tmp_path):
    system = tmp_path / "etcxdg/openxr/1"
    _manifest(system, "active_runtime.json")
    assert _find(env, tmp_path).source == f"active_runtime.json at {system / 'active_runtime.json'}"
    arch = _manifest(system, f"active_runtime.{runtime.arch_abi()}.json")
    assert _find(env, tmp_path).manifest == arch
    user = _manifest(tmp_path / "home/.config/openxr/1", "active_runtime.json")
    choice = _find(env, tmp_path)
    assert choice.manifest == user
    assert "XR_RUNTIME_JSON" not in choice.env  # the loader finds it by itself


def test_an_installed_manifest_is_found_and_pointed_at(env, tmp_path):
    share = tmp_path / "share/openxr/1"
    _manifest(share, "openxr_other.json")
    monado = _manifest(share, "openxr_monado.json")
    _manifest(share, "active_runtime.json")  # not a runtime of its own
    choice = _find(env, tmp_path)
    assert choice.manifest == monado  # Monado first among several
    assert choice.source == f"found at {monado}"
    assert choice.env == {"XR_RUNTIME_JSON": str(monado), "XRT_COMPOSITOR_NULL": "1"}


def test_previzkit_monado_build_comes_before_system_packages(env, tmp_path):
    _manifest(tmp_path / "share/openxr/1")
    cached = _manifest(tmp_path / "cache/monado-25.0.0/share/openxr/1")
    assert _find(env, tmp_path).manifest == cached
    newer = _manifest(tmp_path / "cache/monado-25.10.0/share/openxr/1")
    assert _find(env, tmp_path).manifest == newer
    env["PREVIZKIT_MONADO_PREFIX"] = str(tmp_path / "mine")
    mine = _manifest(tmp_path / "mine/share/openxr/1")
    assert _find(env, tmp_path).manifest == mine


def test_a_manifest_whose_library_is_gone_is_skipped(env, tmp_path):
    share = tmp_path / "share/openxr/1"
    stale = _manifest(share)
    (share / "libx.so").unlink()
    choice = _find(env, tmp_path)
    assert choice.manifest is None, stale
    assert choice.source == "none"
    assert share in choice.searched and tmp_path / "home/.config/openxr/1" in choice.searched
    assert choice.describe() == "no OpenXR runtime found"


def test_runtime_env_keeps_what_the_user_set():
    m = Path("/m/openxr_monado.json")
    found = f"found at {m}"
    assert runtime_env(m, found, True, {"DISPLAY": ":0"}) == {"XR_RUNTIME_JSON": str(m)}
    assert runtime_env(m, found, True, {"WAYLAND_DISPLAY": "wayland-0"}) == {
        "XR_RUNTIME_JSON": str(m)
    }
    assert runtime_env(m, found, True, {"XRT_COMPOSITOR_NULL": "0"}) == {"XR_RUNTIME_JSON": str(m)}
    assert runtime_env(m, found, False, {}) == {"XR_RUNTIME_JSON": str(m)}  # not Monado
    assert runtime_env(None, "none", True, {}) == {}


@pytest.mark.parametrize(
    "release, words",
    [
        ({"ID": "debian", "VERSION_ID": "13"}, "apt-get install monado-service libopenxr1-monado"),
        ({"ID": "debian", "VERSION_ID": "12"}, "30-monado.sh"),
        ({"ID": "fedora", "VERSION_ID": "40"}, "on Debian 12 run"),
    ],
)
def test_install_hint_names_the_command_for_this_system(release, words):
    hint = install_hint(release)
    assert words in hint
    assert "export XR_RUNTIME_JSON=" in hint


def test_quiet_loader_leaves_a_user_setting():
    environ: dict[str, str] = {}
    assert quiet_loader(environ) and environ == {"XR_LOADER_DEBUG": "none"}
    environ = {"XR_LOADER_DEBUG": "all"}
    assert not quiet_loader(environ) and environ == {"XR_LOADER_DEBUG": "all"}


def test_activate_runtime_sets_the_process_environment_once(monkeypatch, tmp_path):
    manifest = _manifest(tmp_path / "rt")
    for key in ("XRT_COMPOSITOR_NULL", "XR_LOADER_DEBUG", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.setenv(key, "x")  # recorded, so the teardown restores it
        monkeypatch.delenv(key)
    monkeypatch.setenv("XR_RUNTIME_JSON", str(manifest))
    monkeypatch.setattr(runtime, "_activated", None)
    choice = runtime.activate_runtime()
    assert choice.source == "XR_RUNTIME_JSON"
    assert os.environ["XRT_COMPOSITOR_NULL"] == "1"
    assert os.environ["XR_LOADER_DEBUG"] == "none"
    assert runtime.activate_runtime() is choice

    monkeypatch.setattr(runtime, "_activated", None)
    with runtime.runtime_active() as again:
        assert again.manifest == manifest
    assert os.environ["XRT_COMPOSITOR_NULL"] == "1"  # set before the block: kept


def test_runtime_active_removes_what_it_set(monkeypatch, tmp_path):
    manifest = _manifest(tmp_path / "rt")
    for key in ("XRT_COMPOSITOR_NULL", "XR_LOADER_DEBUG", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.setenv(key, "x")
        monkeypatch.delenv(key)
    monkeypatch.setenv("XR_RUNTIME_JSON", str(manifest))
    with runtime.runtime_active() as choice:
        assert choice.env == {"XRT_COMPOSITOR_NULL": "1"}
        assert os.environ["XRT_COMPOSITOR_NULL"] == "1" and os.environ["XR_LOADER_DEBUG"] == "none"
    assert "XRT_COMPOSITOR_NULL" not in os.environ and "XR_LOADER_DEBUG" not in os.environ


def test_examples_in_docstrings_run():
    import doctest

    assert doctest.testmod(runtime).failed == 0
