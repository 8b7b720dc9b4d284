"""The set's session under the OpenXR core validation layer reports no errors; a
deliberately invalid call shows the layer is really listening."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]


@pytest.fixture(scope="module")
def validated(xr_env, scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("xr-validation")
    env = dict(xr_env)
    env.update(
        XR_ENABLE_API_LAYERS="XR_APILAYER_LUNARG_core_validation",
        XR_CORE_VALIDATION_EXPORT_TYPE="text",
        XR_CORE_VALIDATION_FILE_NAME=str(out / "validation.txt"),
    )
    result = scenario("validation", env, out)
    result["full_log"] = (out / "validation.txt").read_text()
    return result


def test_layer_was_loaded(validated):
    assert "Core Validation Layer is initialized" in validated["clean_log"]


def test_session_reports_no_validation_errors(validated):
    assert validated["frames"] >= 30
    assert validated["states"][-1] == "EXITING"
    bad = [
        line
        for line in validated["clean_log"].splitlines()
        if "VALID_ERROR" in line or "VALID_WARNING" in line
    ]
    assert bad == []


def test_layer_reports_an_invalid_call(validated):
    assert validated["control_result"] < 0
    assert "VUID-XrSystemGetInfo-formFactor-parameter" in validated["full_log"]
