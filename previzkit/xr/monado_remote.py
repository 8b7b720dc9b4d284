"""Drive Monado's remote driver: a scripted head and two Index controllers over TCP.

Monado's ``remote`` builder (``P_OVERRIDE_ACTIVE_CONFIG=remote``) listens on a TCP port
(``remote.port`` in ``$XDG_CONFIG_HOME/monado/config_v0.json``, default 4242) for
``struct r_remote_data`` packets (``drivers/remote/r_interface.h``, header "mndrmt3").
CI uses it to press real buttons through the runtime's action system; a director can
use it to rehearse without a headset. Poses: metres, quaternions (x, y, z, w), in the
runtime's tracking origin (y up).
"""

from __future__ import annotations

import ctypes
import json
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from previzkit.core.errors import XRError

if TYPE_CHECKING:
    from previzkit.xr.input_script import InputFrame

HEADER = int.from_bytes(b"mndrmt3\0", "little")


class _Vec3(ctypes.Structure):
    _fields_ = [("x", ctypes.c_float), ("y", ctypes.c_float), ("z", ctypes.c_float)]


class _Quat(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_float),
        ("y", ctypes.c_float),
        ("z", ctypes.c_float),
        ("w", ctypes.c_float),
    ]


class _Pose(ctypes.Structure):
    _fields_ = [("orientation", _Quat), ("position", _Vec3)]


class _Fov(ctypes.Structure):
    _fields_ = [
        (n, ctypes.c_float) for n in ("angle_left", "angle_right", "angle_up", "angle_down")
    ]


class _View(ctypes.Structure):
    _fields_ = [("fov", _Fov), ("pose", _Pose), ("_pad", ctypes.c_uint32)]


class _Head(ctypes.Structure):
    _fields_ = [
        ("views", _View * 2),
        ("center", _Pose),
        ("per_view_data_valid", ctypes.c_bool),
        ("_pad", ctypes.c_bool * 3),
    ]


_BOOLS = (
    "hand_tracking_active",
    "active",
    "system_click",
    "system_touch",
    "a_click",
    "a_touch",
    "b_click",
    "b_touch",
    "trigger_click",
    "trigger_touch",
    "thumbstick_click",
    "thumbstick_touch",
    "trackpad_touch",
)


class Controller(ctypes.Structure):
    """r_remote_controller_data: one Index controller's pose, axes and buttons."""

    _fields_ = [
        ("pose", _Pose),
        ("linear_velocity", _Vec3),
        ("angular_velocity", _Vec3),
        ("hand_curl", ctypes.c_float * 5),
        ("trigger_value", ctypes.c_float),
        ("squeeze_value", ctypes.c_float),
        ("squeeze_force", ctypes.c_float),
        ("thumbstick", ctypes.c_float * 2),
        ("trackpad_force", ctypes.c_float),
        ("trackpad", ctypes.c_float * 2),
        *[(n, ctypes.c_bool) for n in _BOOLS],
        ("_pad", ctypes.c_bool * 3),
    ]

    def set_pose(
        self,
        position: tuple[float, float, float],
        orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0),
    ) -> None:
        self.pose.position = _Vec3(*position)
        self.pose.orientation = _Quat(*orientation)


class RemoteData(ctypes.Structure):
    _fields_ = [
        ("header", ctypes.c_uint64),
        ("head", _Head),
        ("left", Controller),
        ("right", Controller),
    ]


assert ctypes.sizeof(RemoteData) == 376, ctypes.sizeof(RemoteData)


def write_config(config_home: str | Path, port: int) -> Path:
    """Write ``monado/config_v0.json`` selecting the remote driver on ``port``."""
    path = Path(config_home) / "monado" / "config_v0.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"active": "remote", "remote": {"version": 0, "port": int(port), "view_count": 2}}
        )
    )
    return path


def remote_env(config_home: str | Path, port: int) -> dict[str, str]:
    """Environment (to add) that makes Monado use the remote driver on ``port``."""
    write_config(config_home, port)
    return {"P_OVERRIDE_ACTIVE_CONFIG": "remote", "XDG_CONFIG_HOME": str(config_home)}


class MonadoRemote:
    """A TCP client of Monado's remote driver. Set fields on ``data`` then :meth:`send`."""

    def __init__(self, port: int = 4242, host: str = "127.0.0.1", timeout_s: float = 10.0) -> None:
        self.data = RemoteData(header=HEADER)
        deadline = time.monotonic() + timeout_s
        last: OSError | None = None
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection((host, port), timeout=2.0)
                break
            except OSError as exc:  # the runtime opens its port when the system is made
                last = exc
                time.sleep(0.05)
        else:
            raise XRError(
                f"Monado remote driver not listening on {host}:{port} ({last}); start an OpenXR instance with P_OVERRIDE_ACTIVE_CONFIG=remote first"
            )
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The runtime first sends its reset state and its latest state.
        reset = self._recv()
        self._recv()
        ctypes.memmove(ctypes.addressof(self.data), reset, ctypes.sizeof(RemoteData))
        self.data.header = HEADER

    def _recv(self) -> bytes:
        size, buf = ctypes.sizeof(RemoteData), b""
        while len(buf) < size:
            chunk = self.sock.recv(size - len(buf))
            if not chunk:
                raise XRError("Monado remote driver closed the connection")
            buf += chunk
        return buf

    def send(self) -> None:
        self.sock.sendall(bytes(self.data))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> MonadoRemote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


INDEX = "/interaction_profiles/valve/index_controller"
# Index component -> the r_remote_controller_data fields that press it.
_PRESS = {
    "trigger/click": (("trigger_click", True), ("trigger_touch", True), ("trigger_value", 1.0)),
    "squeeze/value": (("squeeze_value", 1.0),),
    "a/click": (("a_click", True), ("a_touch", True)),
    "b/click": (("b_click", True), ("b_touch", True)),
    "thumbstick/click": (("thumbstick_click", True), ("thumbstick_touch", True)),
}
_RELEASED = {"trigger_value": 0.0, "squeeze_value": 0.0}


def drive_remote(remote: MonadoRemote, frame: InputFrame, send: bool = True) -> None:
    """Set the remote driver's head and two Index controllers from a script frame.

    The head center pose (views derived by Monado from it: ``per_view_data_valid``
    false); each controller's pose is the frame's grip pose (its aim pose when the grip
    is absent). Monado 25's remote driver reports that one pose for both grip and aim
    (no offset: measured through the runtime by tests/xr/test_controller_actions.py),
    so a script's aim and grip should agree when it is replayed into the runtime. A hand
    with neither pose is inactive (its buttons too). Buttons press the Index inputs
    previzkit binds them to (:data:`previzkit.xr.actions.BINDINGS`, reversed), e.g.
    "grab" -> right squeeze_value 1.0, "use_tool" -> left trigger_click (+ value 1.0);
    ``move`` -> left thumbstick, ``lens`` -> right thumbstick, ``focus`` -> right trackpad y.
    """
    from previzkit.xr.actions import BINDINGS

    d = remote.data
    if frame.head is not None:
        d.head.center.position = _Vec3(*frame.head[:3])
        d.head.center.orientation = _Quat(*frame.head[3:])
        d.head.per_view_data_valid = False
    hands = {"left": d.left, "right": d.right}
    for hand, c in hands.items():
        pose = getattr(frame, f"{hand}_grip") or getattr(frame, f"{hand}_aim")
        c.active = pose is not None
        if pose is not None:
            c.set_pose(pose[:3], pose[3:])
        for fields in _PRESS.values():
            for name, _ in fields:
                setattr(c, name, _RELEASED.get(name, False))
        c.thumbstick[0] = c.thumbstick[1] = c.trackpad[0] = c.trackpad[1] = 0.0
        c.trackpad_touch = False
    sticks = {"move": frame.move, "lens": frame.lens, "focus": (0.0, frame.focus)}
    for action, path in BINDINGS[INDEX]:
        hand, component = path.removeprefix("/user/hand/").split("/input/")
        c = hands[hand]
        if action in frame.buttons and component in _PRESS:
            for name, value in _PRESS[component]:
                setattr(c, name, value)
        elif action in sticks and component in ("thumbstick", "trackpad"):
            x, y = sticks[action]
            axes = c.thumbstick if component == "thumbstick" else c.trackpad
            axes[0], axes[1] = x, y
            if component == "trackpad":
                c.trackpad_touch = bool(x or y)
    if send:
        remote.send()


def free_port() -> int:
    """A TCP port free on localhost now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


__all__ = [
    "Controller",
    "MonadoRemote",
    "RemoteData",
    "drive_remote",
    "free_port",
    "remote_env",
    "write_config",
]
