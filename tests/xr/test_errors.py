"""pyopenxr failures become previzkit errors that say what happened and what to do."""

from __future__ import annotations

import pytest

from previzkit.core.errors import XRError, XRExtensionMissing, XRRuntimeUnavailable, XRSessionLost
from previzkit.xr.errors import extension_missing, runtime_unavailable, session_lost, translated

xr = pytest.importorskip("xr")


@pytest.mark.parametrize(
    "exc, kind, words",
    [
        (xr.RuntimeUnavailableError(), XRRuntimeUnavailable, "no OpenXR runtime available"),
        (xr.SessionLostError(), XRSessionLost, "Reconnect the headset"),
        (xr.InstanceLostError(), XRSessionLost, "instance lost"),
        (
            xr.FormFactorUnavailableError(),
            XRRuntimeUnavailable,
            "no head-mounted display connected",
        ),
        (xr.ValidationFailureError(), XRError, "OpenXR call failed while testing"),
    ],
)
def test_translated_maps_each_failure(exc, kind, words):
    with pytest.raises(kind, match=words), translated("testing"):
        raise exc


def test_previzkit_errors_pass_through_untouched():
    with pytest.raises(XRSessionLost, match="boom"), translated("testing"):
        raise XRSessionLost("boom")


def test_runtime_unavailable_names_a_missing_manifest(monkeypatch, tmp_path):
    monkeypatch.setenv("XR_RUNTIME_JSON", str(tmp_path / "gone.json"))
    msg = str(runtime_unavailable())
    assert f"XR_RUNTIME_JSON={tmp_path / 'gone.json'} (file does not exist)" in msg
    monkeypatch.delenv("XR_RUNTIME_JSON")
    assert "no XR_RUNTIME_JSON set" in str(runtime_unavailable())


def test_extension_missing_lists_what_the_runtime_offers():
    err = extension_missing(
        "XR_MNDX_egl_enable", "SteamVR", ["XR_KHR_vulkan_enable", "XR_EXT_hand_tracking"]
    )
    assert isinstance(err, XRExtensionMissing)
    assert (
        "SteamVR" in str(err)
        and "XR_MNDX_egl_enable" in str(err)
        and "XR_KHR_vulkan_enable" in str(err)
    )
    assert "--offscreen" in str(err)


def test_session_lost_says_what_to_do():
    assert "restart the runtime" in str(session_lost("test"))
