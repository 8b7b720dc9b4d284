"""Backends register only if they import; auto picks the fastest; absent ones say why."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import previzkit.composite as C
from previzkit.core.errors import BackendUnavailable, InputError


def test_numpy_is_always_present_and_auto_is_the_fastest():
    present = C.available_backends()
    assert "numpy" in present
    assert list(present)[-1] == "numpy"
    assert C.get_backend("auto") is next(iter(present.values()))
    if "numba" in present and "cupy" not in present:
        assert C.get_backend().name == "numba"


def test_absent_backend_says_why():
    absent = C.unavailable_backends()
    for name, why in absent.items():
        with pytest.raises(BackendUnavailable) as exc:
            C.get_backend(name)
        assert name in str(exc.value) and why in str(exc.value)


def test_cupy_without_a_device_falls_back_cleanly():
    cupy = pytest.importorskip("cupy")
    if cupy.cuda.is_available():
        pytest.skip("a CUDA device is present: cupy registers (covered by the gpu tests)")
    assert "cupy" not in C.available_backends()
    assert "is_available() is False" in C.unavailable_backends()["cupy"]
    assert C.get_backend("auto").name != "cupy"


def test_unknown_backend_lists_the_choices():
    with pytest.raises(
        InputError,
        match=r"backend: unknown 'opencl'; expected auto or one of \['cupy', 'numba', 'numpy'\]",
    ):
        C.get_backend("opencl")


def test_environment_overrides_auto(monkeypatch):
    monkeypatch.setenv("PREVIZKIT_COMPOSITE_BACKEND", "numpy")
    assert C.get_backend("auto").name == "numpy"


def test_importing_composite_imports_no_numba_or_cupy():
    code = (
        "import previzkit.composite, json, sys; "
        "print(json.dumps(sorted(m for m in ('numba', 'cupy', 'cv2', 'torch') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


@pytest.mark.gpu
def test_cupy_backend_runs_on_device_arrays():
    cupy = pytest.importorskip("cupy")
    if not cupy.cuda.is_available():
        pytest.skip("no CUDA device: cupy.cuda.is_available() is False")
    import numpy as np

    fg = cupy.asarray(np.full((3, 5, 4), 128, np.uint8))
    bg = cupy.asarray(np.full((3, 5, 3), 200, np.uint8))
    out = C.over(fg, bg, backend="cupy", out=cupy.empty((3, 5, 3), cupy.uint8))
    assert isinstance(out, cupy.ndarray)
    assert int(out[0, 0, 0]) == 128 + round(200 * 127 / 255)
