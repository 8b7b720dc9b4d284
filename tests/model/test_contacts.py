"""The one foot-contact detector (model.contacts): on real mocap, with a floor given."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.contacts import contact_mask, contact_ranges, foot_contacts, foot_skate
from previzkit.production import library


def test_library_uses_the_model_detector():
    assert library.foot_contacts is foot_contacts and library.foot_skate is foot_skate


def test_per_frame_mask_matches_the_shipped_index_on_real_mocap():
    clip = library.load_library().get("walk")
    lm = clip.landmarks()
    mask = contact_mask(lm, clip.fps)
    assert mask.shape == (len(lm), 2)
    for k, foot in enumerate(("left", "right")):
        assert contact_ranges(mask[:, k]) == clip.contacts[foot]


def test_a_floor_from_outside_and_feet_on_a_box():
    lm = np.zeros((30, 33, 3))
    lm[:, 27:33, 1] = 0.5  # both feet stand still on a 0.5 m box
    assert not contact_mask(lm, 30.0, floor=0.0).any()  # 0.5 m above the floor
    assert contact_mask(lm, 30.0, floor=0.0, height_m=None).all()  # speed alone
    assert contact_mask(lm, 30.0, floor=0.48).all()
    with pytest.raises(InputError, match="min_frames"):
        contact_mask(lm, 30.0, min_frames=0)
    with pytest.raises(InputError, match=r"\(F, 33, 3\)"):
        contact_mask(lm[:, :17], 30.0)
