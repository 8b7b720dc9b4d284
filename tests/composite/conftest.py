"""Composite test helpers: backends to check against the numpy reference, random images."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from previzkit.composite import available_backends, get_backend, unavailable_backends


def _backend_params():
    params = []
    for name in ("numba", "cupy"):
        if name in available_backends():
            marks = [pytest.mark.gpu] if name == "cupy" else []
            params.append(pytest.param(name, id=name, marks=marks))
        else:
            why = unavailable_backends().get(name, "not present")
            marks = [pytest.mark.skip(reason=f"{name} backend not present: {why}")]
            if name == "cupy":
                marks.append(pytest.mark.gpu)
            params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.fixture(scope="session", params=_backend_params())
def backend(request):
    """Each accelerated backend present (numba; cupy where a CUDA device is), by name."""
    return get_backend(request.param).name


def image(rng, h, w, c, dtype=np.uint8, view=False):
    """A random (h, w, c) image; with ``view`` a non-contiguous view of a bigger one."""
    if view:
        big = image(rng, 2 * h + 1, 2 * w + 3, c + 1, dtype)
        return big[1::2, 2 : 2 + 2 * w : 2, :c]
    if dtype == np.uint8:
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)
    return rng.random((h, w, c), dtype=np.float32).astype(dtype)


def premultiplied(rng, h, w, dtype=np.uint8, view=False, alpha_mode="mixed"):
    """Random premultiplied RGBA with alpha at 0 and full in parts (``alpha_mode``)."""
    a = image(rng, h, w, 4, dtype, view)
    full = 255 if dtype == np.uint8 else 1
    if alpha_mode in ("mixed", "zero", "full"):
        pick = rng.integers(0, 3, (h, w)) if alpha_mode == "mixed" else None
        alpha = a[..., 3].copy()
        if alpha_mode == "zero":
            alpha[...] = 0
        elif alpha_mode == "full":
            alpha[...] = full
        else:
            alpha[pick == 0] = 0
            alpha[pick == 1] = full
        a[..., 3] = alpha
    if dtype == np.uint8:
        a[..., :3] = (a[..., :3].astype(np.uint32) * a[..., 3:].astype(np.uint32) // 255).astype(
            np.uint8
        )
    else:
        a[..., :3] = a[..., :3] * a[..., 3:]
    return a


def assert_within(a, b, tol=1, what=""):
    """Equal within ``tol`` uint8 levels (``tol / 255`` for floats)."""
    a = np.asarray(a.get() if hasattr(a, "get") else a)
    b = np.asarray(b.get() if hasattr(b, "get") else b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    if a.dtype == np.uint8:
        d = np.abs(a.astype(np.int32) - b.astype(np.int32))
        assert d.max(initial=0) <= tol, (
            f"{what}: max diff {d.max()} levels at {np.argwhere(d > tol)[:5].tolist()}"
        )
    else:
        f = np.abs(a.astype(np.float64) - b.astype(np.float64))
        lim = tol / 255 + (1e-3 if a.dtype == np.float16 else 1e-5)
        assert f.max(initial=0) <= lim, f"{what}: max diff {f.max()}"


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (importlib mode cannot import conftest)."""
    return SimpleNamespace(image=image, premultiplied=premultiplied, assert_within=assert_within)
