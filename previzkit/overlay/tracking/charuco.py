"""Camera tracking from a printed ChArUco board, and lens calibration (OpenCV ``cv2.aruco``).

A board file (YAML) describes the printed board and where it is on the set::

    board:
      dictionary: DICT_5X5_100     # any cv2.aruco predefined dictionary
      squares: [7, 5]              # columns, rows
      square_m: 0.06               # printed square side, metres (measure the print!)
      marker_m: 0.045              # printed marker side, metres
      legacy: false                # boards from OpenCV < 4.6 with even rows
      position: [0.0, 0.0, 0.0]    # the board's top-left outer corner in the set, metres
      orientation: [0.7071068, 0, 0, 0.7071068]   # board-to-set quaternion (x, y, z, w)

The board's own frame is OpenCV's: x along the columns, y down the rows of the printed
image, z into the board (the printed face looks along -z). The default orientation
(+90 deg about x) lays the board flat on the floor, printed face up, with its rows
running toward +z. The tracked camera comes out in the set frame (metres, y up, camera
looks down -z) as a camera-to-world matrix, with the calibrated :class:`Calibration`'s
lens (focal length in mm from the sensor width).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import MissingFileError, TrackingError
from previzkit.core.optional import require

CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])  # OpenCV camera axes <-> previzkit's
FLOOR = (math.sqrt(0.5), 0.0, 0.0, math.sqrt(0.5))


@dataclass(frozen=True)
class BoardDef:
    """A ChArUco board (see module doc); lengths in metres."""

    dictionary: str = "DICT_5X5_100"
    squares_x: int = 7
    squares_y: int = 5
    square_m: float = 0.06
    marker_m: float = 0.045
    legacy: bool = False
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    orientation: tuple[float, float, float, float] = FLOOR
    path: Path | None = None

    def __post_init__(self) -> None:
        where = f"board {self.path or '<board>'}"
        if self.squares_x < 2 or self.squares_y < 2:
            raise TrackingError(f"{where}: squares {self.squares_x}x{self.squares_y} < 2x2")
        if not 0 < self.marker_m < self.square_m:
            raise TrackingError(
                f"{where}: marker_m {self.marker_m} must be > 0 and < square_m {self.square_m}"
            )
        if not hasattr(_aruco(), self.dictionary):
            raise TrackingError(f"{where}: dictionary {self.dictionary!r} is not a cv2.aruco one")
        if abs(np.linalg.norm(self.orientation) - 1.0) > 1e-3:
            raise TrackingError(f"{where}: orientation {self.orientation} is not a unit quaternion")

    @property
    def size_m(self) -> tuple[float, float]:
        """Printed width and height of the board, metres."""
        return self.squares_x * self.square_m, self.squares_y * self.square_m

    def cv_board(self) -> Any:
        aruco = _aruco()
        d = aruco.getPredefinedDictionary(getattr(aruco, self.dictionary))
        board = aruco.CharucoBoard(
            (self.squares_x, self.squares_y), self.square_m, self.marker_m, d
        )
        board.setLegacyPattern(bool(self.legacy))
        return board

    def image(self, px_per_square: int = 100) -> npt.NDArray[np.uint8]:
        """The printable board, uint8 gray (rows, cols), no margin: it spans exactly
        :attr:`size_m`."""
        w, h = self.squares_x * px_per_square, self.squares_y * px_per_square
        return self.cv_board().generateImage((w, h), marginSize=0, borderBits=1)

    def board_to_set(self) -> np.ndarray:
        """4x4 board-frame -> set-frame transform."""
        from previzkit.core.geometry import pose_matrix

        return pose_matrix(self.position, self.orientation)


def load_board(path: str | Path) -> BoardDef:
    """Read a board YAML file (see module doc); errors name the file and key."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"board file {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TrackingError(f"board file {path}: not YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("board"), dict):
        raise TrackingError(f"board file {path}: needs a 'board:' map")
    b = dict(doc["board"])
    known = {"dictionary", "squares", "square_m", "marker_m", "legacy", "position", "orientation"}
    unknown = set(b) - known
    if unknown:
        raise TrackingError(f"board file {path}: board.{sorted(unknown)[0]}: unknown key")
    try:
        squares = b.get("squares", [7, 5])
        if not (isinstance(squares, list) and len(squares) == 2):
            raise TrackingError(f"board file {path}: board.squares: expected [columns, rows]")
        kw: dict[str, Any] = {
            "dictionary": str(b.get("dictionary", "DICT_5X5_100")),
            "squares_x": int(squares[0]),
            "squares_y": int(squares[1]),
            "legacy": bool(b.get("legacy", False)),
            "path": path,
        }
        for key in ("square_m", "marker_m"):
            if key not in b:
                raise TrackingError(f"board file {path}: board.{key}: missing (measure the print)")
            kw[key] = _number(b[key], path, key)
        if "position" in b:
            kw["position"] = _vector(b["position"], 3, path, "position")
        if "orientation" in b:
            kw["orientation"] = _vector(b["orientation"], 4, path, "orientation")
    except (TypeError, ValueError) as exc:
        raise TrackingError(f"board file {path}: {exc}") from None
    return BoardDef(**kw)


def _number(v: Any, path: Path, key: str) -> float:
    if not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
        raise TrackingError(
            f"board file {path}: board.{key}: expected a positive number, got {v!r}"
        )
    return float(v)


def _vector(v: Any, n: int, path: Path, key: str) -> tuple[float, ...]:
    if not (isinstance(v, list) and len(v) == n and all(isinstance(x, int | float) for x in v)):
        raise TrackingError(f"board file {path}: board.{key}: expected {n} numbers, got {v!r}")
    return tuple(float(x) for x in v)


@dataclass
class Calibration:
    """A camera's intrinsics for ``width`` x ``height`` images: ``camera_matrix``
    (3, 3) in pixels (OpenCV: pixel centres at integers), ``dist`` distortion
    coefficients (k1, k2, p1, p2, k3), ``rms`` reprojection error (px) of the fit,
    ``sensor_width_mm`` to express the focal length in mm."""

    width: int
    height: int
    camera_matrix: np.ndarray
    dist: np.ndarray = field(default_factory=lambda: np.zeros(5))
    rms: float = 0.0
    sensor_width_mm: float = 24.89
    views: int = 0

    @classmethod
    def from_lens(cls, lens: Any, width: int, height: int) -> Calibration:
        """The ideal pinhole of a :class:`~previzkit.model.camera.Lens` (the renderer's
        camera: the lens spans the image width, principal point at the centre)."""
        f = lens.focal_px(width)
        k = np.array([[f, 0, width / 2 - 0.5], [0, f, height / 2 - 0.5], [0, 0, 1.0]])
        return cls(width, height, k, np.zeros(5), 0.0, lens.sensor_width_mm)

    def lens(self, focus_m: float = 3.0) -> Any:
        """The :class:`~previzkit.model.camera.Lens` (focal from fx and the sensor width;
        the sensor height follows the image aspect)."""
        from previzkit.model.camera import Lens

        fx = float(self.camera_matrix[0, 0])
        focal = fx / self.width * self.sensor_width_mm
        return Lens(
            focal, self.sensor_width_mm, self.sensor_width_mm * self.height / self.width, focus_m
        )

    def scaled(self, width: int, height: int) -> Calibration:
        """The same lens for images resized to ``width`` x ``height``."""
        sx, sy = width / self.width, height / self.height
        k = self.camera_matrix.copy()
        k[0, 0] *= sx
        k[0, 2] = (k[0, 2] + 0.5) * sx - 0.5
        k[1, 1] *= sy
        k[1, 2] = (k[1, 2] + 0.5) * sy - 0.5
        return Calibration(
            width, height, k, self.dist.copy(), self.rms, self.sensor_width_mm, self.views
        )

    def save(self, path: str | Path) -> Path:
        import yaml

        doc = {
            "calibration": {
                "image_size": [self.width, self.height],
                "camera_matrix": self.camera_matrix.tolist(),
                "dist": np.asarray(self.dist).ravel().tolist(),
                "rms_px": float(self.rms),
                "sensor_width_mm": float(self.sensor_width_mm),
                "views": int(self.views),
            }
        }
        out = Path(path)
        out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return out


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration YAML written by :meth:`Calibration.save`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"calibration file {path} does not exist")
    try:
        c = yaml.safe_load(path.read_text(encoding="utf-8"))["calibration"]
        w, h = (int(v) for v in c["image_size"])
        k = np.asarray(c["camera_matrix"], np.float64)
        dist = np.asarray(c.get("dist", [0.0] * 5), np.float64)
        sensor = float(c.get("sensor_width_mm", 24.89))
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise TrackingError(f"calibration file {path}: malformed ({exc!r})") from None
    if k.shape != (3, 3) or w <= 0 or h <= 0 or k[0, 0] <= 0:
        raise TrackingError(f"calibration file {path}: camera_matrix {k.shape} / size {w}x{h}")
    return Calibration(w, h, k, dist, float(c.get("rms_px", 0.0)), sensor, int(c.get("views", 0)))


class Undistorter:
    """Remaps images of a calibrated camera to the renderer's pinhole: focal length fx
    (square pixels), principal point at the image centre, no distortion, so a render
    through :meth:`Calibration.lens` lines up with the plate. Maps are built once per
    size (``cv2.initUndistortRectifyMap``); :meth:`apply` is one ``cv2.remap``."""

    def __init__(self, calibration: Calibration) -> None:
        cv2 = require("cv2", "stage", "ChArUco tracking")

        c = calibration
        f = float(c.camera_matrix[0, 0])
        self.target = np.array([[f, 0, c.width / 2 - 0.5], [0, f, c.height / 2 - 0.5], [0, 0, 1.0]])
        self.size = (c.width, c.height)
        self._maps = cv2.initUndistortRectifyMap(
            c.camera_matrix,
            np.asarray(c.dist, np.float64),
            None,
            self.target,
            self.size,
            cv2.CV_16SC2,
        )

    @staticmethod
    def needed(calibration: Calibration, tolerance_px: float = 0.25) -> bool:
        """True when the calibration differs from the renderer's pinhole by more than
        ``tolerance_px`` anywhere that matters (distortion, off-centre principal point,
        non-square pixels)."""
        c = calibration
        k = c.camera_matrix
        off = max(abs(k[0, 2] - (c.width / 2 - 0.5)), abs(k[1, 2] - (c.height / 2 - 0.5)))
        square = abs(k[0, 0] - k[1, 1]) * max(c.width, c.height) / (2 * k[0, 0])
        return bool(
            np.any(np.abs(np.asarray(c.dist)) > 1e-6) or off > tolerance_px or square > tolerance_px
        )

    def apply(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        cv2 = require("cv2", "stage", "ChArUco tracking")

        if (image.shape[1], image.shape[0]) != self.size:
            raise TrackingError(
                f"undistort: image {image.shape[1]}x{image.shape[0]}, calibration "
                f"{self.size[0]}x{self.size[1]}"
            )
        out = cv2.remap(image, *self._maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return cast("npt.NDArray[np.uint8]", out)  # cv2's stub: any MatLike


@dataclass
class BoardPose:
    """A tracked camera: ``camera_to_world`` (4, 4) in the set frame, ``corners`` used,
    ``error_px`` RMS reprojection error, ``rvec``/``tvec`` OpenCV's board-to-camera."""

    camera_to_world: np.ndarray
    corners: int
    error_px: float
    rvec: np.ndarray
    tvec: np.ndarray


class BoardTracker:
    """Find the board in camera images and solve the camera's pose (see module doc).

    ``min_corners`` ChArUco corners are needed for a pose (default 6)."""

    def __init__(self, board: BoardDef, calibration: Calibration, min_corners: int = 6) -> None:
        aruco = _aruco()
        self.board = board
        self.calibration = calibration
        self.min_corners = max(4, int(min_corners))
        self._cv_board = board.cv_board()
        params = aruco.CharucoParameters()
        params.tryRefineMarkers = True
        detector_params = aruco.DetectorParameters()
        detector_params.cornerRefinementMethod = aruco.CORNER_REFINE_SUBPIX
        self._detector = aruco.CharucoDetector(self._cv_board, params, detector_params)
        self._b2s = board.board_to_set()

    def detect(self, image: npt.NDArray[np.uint8]) -> tuple[np.ndarray, np.ndarray] | None:
        """ChArUco corners (N, 1, 2) px and ids (N, 1) in ``image``, or None."""
        gray = _gray(image)
        corners, ids, _, _ = self._detector.detectBoard(gray)
        if ids is None or len(ids) < self.min_corners:
            return None
        return corners, ids

    def track(self, image: npt.NDArray[np.uint8]) -> BoardPose | None:
        """The camera pose from one image (RGB or gray uint8), or None when the board is
        not seen well enough."""
        cv2 = require("cv2", "stage", "ChArUco tracking")

        cal = self.calibration
        h, w = image.shape[:2]
        if (w, h) != (cal.width, cal.height):
            cal = self.calibration = cal.scaled(w, h)
        found = self.detect(image)
        if found is None:
            return None
        corners, ids = found
        obj, img = self._cv_board.matchImagePoints(corners, ids)
        ok, rvec, tvec = cv2.solvePnP(
            obj, img, cal.camera_matrix, cal.dist, flags=cv2.SOLVEPNP_IPPE
        )
        if not ok:
            return None
        rvec, tvec = cv2.solvePnPRefineLM(obj, img, cal.camera_matrix, cal.dist, rvec, tvec)
        proj, _ = cv2.projectPoints(obj, rvec, tvec, cal.camera_matrix, cal.dist)
        err = float(np.sqrt(np.mean(np.sum((proj.reshape(-1, 2) - img.reshape(-1, 2)) ** 2, 1))))
        return BoardPose(self.pose_from_cv(rvec, tvec), len(ids), err, rvec, tvec)

    def pose_from_cv(self, rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
        """Camera-to-world (set frame, previzkit camera axes) from OpenCV's board-to-camera."""
        cv2 = require("cv2", "stage", "ChArUco tracking")

        r, _ = cv2.Rodrigues(rvec)
        cam_to_board = np.eye(4)
        cam_to_board[:3, :3] = r.T
        cam_to_board[:3, 3] = -r.T @ np.asarray(tvec, float).ravel()
        return self._b2s @ cam_to_board @ CV_TO_GL


def calibrate(
    board: BoardDef,
    images: Iterable[npt.NDArray[np.uint8]],
    sensor_width_mm: float = 24.89,
    min_views: int = 4,
    fix_aspect: bool = True,
) -> Calibration:
    """Fit a :class:`Calibration` to views of ``board`` (same size, varied angles).

    Raises :class:`TrackingError` naming how many usable views there were when fewer
    than ``min_views`` show at least 6 corners."""
    cv2 = require("cv2", "stage", "ChArUco tracking")

    tracker = BoardTracker(board, Calibration(2, 2, np.eye(3)), min_corners=6)
    objs, imgs, size, seen = [], [], None, 0
    for i, image in enumerate(images):
        seen += 1
        s = (image.shape[1], image.shape[0])
        if size is None:
            size = s
        elif s != size:
            raise TrackingError(f"calibrate: image {i} is {s[0]}x{s[1]}, the first was {size}")
        found = tracker.detect(image)
        if found is None:
            continue
        obj, img = tracker._cv_board.matchImagePoints(*found)
        objs.append(obj.astype(np.float32))
        imgs.append(img.astype(np.float32))
    if len(objs) < min_views or size is None:
        raise TrackingError(
            f"calibrate: {len(objs)} of {seen} images show the board well enough "
            f"(>= 6 corners); need {min_views} (tilt it to different angles)"
        )
    w, h = size
    f0 = 1.2 * w
    k0 = np.array([[f0, 0, w / 2 - 0.5], [0, f0, h / 2 - 0.5], [0, 0, 1.0]])
    flags = cv2.CALIB_USE_INTRINSIC_GUESS | cv2.CALIB_FIX_K3
    if fix_aspect:
        flags |= cv2.CALIB_FIX_ASPECT_RATIO
    rms, k, dist, _, _ = cv2.calibrateCamera(objs, imgs, size, k0, np.zeros(5), flags=flags)
    return Calibration(w, h, k, dist.ravel(), float(rms), float(sensor_width_mm), len(objs))


def _gray(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    cv2 = require("cv2", "stage", "ChArUco tracking")

    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        return cast("npt.NDArray[np.uint8]", cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    raise TrackingError(f"board image: shape {image.shape}, expected (H, W) or (H, W, 3) uint8")


def _aruco() -> Any:
    return require("cv2", "stage", "ChArUco tracking").aruco
