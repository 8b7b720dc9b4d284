"""Input checks at the door: every message names the argument and both shapes/dtypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeGuard

import numpy as np

from previzkit.core.errors import ShapeError


def is_array(a: object) -> TypeGuard[np.ndarray]:
    """A numpy array, or a device array (CuPy) exposing shape and dtype."""
    return isinstance(a, np.ndarray) or hasattr(a, "__cuda_array_interface__")


def _desc(a: np.ndarray) -> str:
    return f"shape {tuple(a.shape)} {a.dtype}"


def check_image(
    name: str,
    a: object,
    channels: Sequence[int],
    dtypes: Sequence[type | np.dtype],
) -> np.ndarray:
    """``a`` must be an (H, W, C) array with C in ``channels`` and a dtype in ``dtypes``."""
    if not is_array(a):
        raise ShapeError(f"{name}: expected a numpy array, got {type(a).__name__}")
    allowed = [np.dtype(d) for d in dtypes]
    if a.ndim != 3 or a.shape[2] not in channels:
        want = " or ".join(f"(H, W, {c})" for c in channels)
        raise ShapeError(f"{name}: expected {want}, got {_desc(a)}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ShapeError(f"{name}: image is empty, got {_desc(a)}")
    if a.dtype not in allowed:
        want = "/".join(str(d) for d in allowed)
        raise ShapeError(f"{name}: expected dtype {want}, got {_desc(a)}")
    return a


def check_matte(name: str, a: object, hw: tuple[int, int], ref: str) -> np.ndarray:
    """``a`` must be a uint8 (H, W) matte matching ``ref``'s height and width."""
    if not is_array(a):
        raise ShapeError(f"{name}: expected a numpy array, got {type(a).__name__}")
    if a.ndim != 2 or a.shape != hw or a.dtype != np.uint8:
        raise ShapeError(f"{name}: expected uint8 shape {hw} to match {ref}, got {_desc(a)}")
    return a


def check_same(name: str, a: np.ndarray, ref_name: str, ref: np.ndarray, channels: bool) -> None:
    """``a`` must have ``ref``'s height, width (and channels when ``channels``) and dtype."""
    n = 3 if channels else 2
    if a.shape[:n] != ref.shape[:n] or a.dtype != ref.dtype:
        raise ShapeError(f"{name} {_desc(a)} does not match {ref_name} {_desc(ref)}")


def check_out(out: object, shape: tuple[int, ...], dtype: np.dtype, what: str) -> np.ndarray:
    """A preallocated ``out`` must have exactly the result's shape and dtype and be writable."""
    if not is_array(out):
        raise ShapeError(f"out: expected a numpy array, got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ShapeError(
            f"out: {_desc(out)} does not match the result of {what} "
            f"(shape {shape} {np.dtype(dtype)})"
        )
    if not getattr(out.flags, "writeable", True):
        raise ShapeError("out: array is read-only")
    return out


def check_depth(name: str, d: object, hw: tuple[int, int], ref: str) -> np.ndarray | float:
    """A depth is a finite-or-inf float (metres) or a float32 (H, W) map matching ``ref``."""
    if isinstance(d, (int, float, np.floating, np.integer)):
        v = float(d)
        if np.isnan(v):
            raise ShapeError(f"{name}: depth is NaN")
        if v < 0:
            raise ShapeError(f"{name}: depth {v} m is negative (depth is metres in front)")
        return v
    if not is_array(d):
        raise ShapeError(f"{name}: expected a float or a numpy array, got {type(d).__name__}")
    if d.ndim != 2 or d.shape != hw or d.dtype != np.float32:
        raise ShapeError(f"{name}: expected float32 shape {hw} to match {ref}, got {_desc(d)}")
    return d
