"""The blocking session's tests run on the same Monado set-up as tests/xr."""

from __future__ import annotations

from tests.xr.conftest import runtime_service, scenario, xr_env

__all__ = ["runtime_service", "scenario", "xr_env"]
