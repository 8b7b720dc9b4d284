"""``previzkit capture``: JSON exactly as documented, pose track, BVH/glTF, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from previzkit.capture.pose import LANDMARK_NAMES
from previzkit.cli import main
from previzkit.model.pose_track import read_track

pytestmark = pytest.mark.media


def test_image_to_json_in_the_documented_format(tmp_path, two_people, capsys):
    src = tmp_path / "pair.png"
    Image.fromarray(two_people).save(src)
    out = tmp_path / "pair.json"
    assert main(["capture", str(src), "-o", str(out)]) == 0
    d = json.loads(out.read_text())
    assert set(d) == {"width", "height", "fps", "frames"}
    assert (d["width"], d["height"]) == (1024, 512)
    (frame,) = d["frames"]
    assert set(frame) == {"index", "time", "people"} and frame["index"] == 0
    assert len(frame["people"]) == 2
    assert sorted(p["id"] for p in frame["people"]) == [0, 1]
    for person in frame["people"]:
        assert set(person) == {"id", "landmarks"}
        lms = person["landmarks"]
        assert [m["name"] for m in lms] == list(LANDMARK_NAMES)
        for m in lms:
            assert set(m) == {"name", "x", "y", "visibility", "world"} and len(m["world"]) == 3
        nose = lms[0]
        assert 0 <= nose["x"] < 1024 and 0 <= nose["y"] < 512 and nose["visibility"] > 0.9
    assert "actors: 2" in capsys.readouterr().err


def test_video_to_track_bvh_and_gltf(tmp_path, moving_video):
    bvhio = pytest.importorskip("bvhio")
    path, truth = moving_video
    pzt, bvh, glb = tmp_path / "t.pzt", tmp_path / "t.bvh", tmp_path / "t.glb"
    args = ["capture", str(path), "-o", str(pzt), "--bvh", str(bvh), "--gltf", str(glb)]
    assert main([*args, "--max-people", "1", "--model", "lite"]) == 0
    track = read_track(pzt)
    assert len(track.frames) == len(truth) and track.actor_ids() == [0]
    assert track.meta["model"] == "lite" and track.fps == pytest.approx(30)
    # the written track carries each pose's metric root (camera frame, in front of the
    # lens) and foot contacts, and who was seen when
    poses = track.actor(0)
    assert all(p.root is not None and p.root[2] > 0.5 for p in poses)
    assert all(p.contacts is not None for p in poses)
    assert track.meta["people"]["0"]["frames"] == len(truth)
    assert bvhio.readAsBvh(str(bvh)).FrameCount == len(truth)
    data = glb.read_bytes()
    assert data[:4] == b"glTF"
    n = int.from_bytes(data[12:16], "little")
    doc = json.loads(data[20 : 20 + n])
    assert doc["animations"] and len(doc["nodes"]) >= 21


def test_image_folder_frames_in_name_order(tmp_path, astronaut, cameraman):
    folder = tmp_path / "stills"
    folder.mkdir()
    Image.fromarray(cameraman).save(folder / "b.png")
    Image.fromarray(astronaut).save(folder / "a.jpg")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "s.json"
    assert main(["capture", str(folder), "-o", str(out), "--max-people", "1"]) == 0
    d = json.loads(out.read_text())
    assert [f["index"] for f in d["frames"]] == [0, 1]
    noses = [f["people"][0]["landmarks"][0]["x"] for f in d["frames"]]
    assert 190 < noses[0] < 260 and 200 < noses[1] < 300  # astronaut, then cameraman


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["capture", str(tmp_path / "missing.mp4"), "-o", "x.json"]) == 2
    assert "missing.mp4 does not exist" in capsys.readouterr().err
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    assert main(["capture", str(bad), "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "broken.mp4" in err and "Traceback" not in err
    img = tmp_path / "a.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(img)
    assert main(["capture", str(img), "-o", str(tmp_path / "x.csv")]) == 2
    assert "x.csv must end in .json or .pzt" in capsys.readouterr().err
    assert main(["capture", str(img)]) == 2
    assert "nothing to do" in capsys.readouterr().err
    assert main(["capture", "-o", "x.json"]) == 2
    assert "PATH or --camera" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["capture", str(empty), "-o", str(tmp_path / "e.json")]) == 2
    assert "holds no images" in capsys.readouterr().err


def test_missing_camera_is_a_clear_error(capsys):
    assert main(["capture", "--camera", "57", "--publish", "tcp://127.0.0.1:0"]) == 2
    assert "camera 57" in capsys.readouterr().err
