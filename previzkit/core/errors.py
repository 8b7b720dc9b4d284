"""One exception tree for previzkit.

Every error a user can cause derives from :class:`PrevizError`; the CLI prints its
message as one line and exits non-zero. Messages name the input (file, key path,
argument) and, where the fix is known, say it.
"""

from __future__ import annotations

from pathlib import Path


class PrevizError(Exception):
    """Base of every previzkit error."""


# --- inputs and files -------------------------------------------------------------


class InputError(PrevizError, ValueError):
    """A file or value given by the user is wrong; the message names it."""


class MissingFileError(InputError, FileNotFoundError):
    """A file that an input refers to does not exist."""


class SetFileError(InputError):
    """A set file (YAML) is malformed; names the file and the key path."""

    def __init__(self, path: str | Path | None, key: str, why: str) -> None:
        self.path = None if path is None else Path(path)
        self.key = key
        self.why = why
        where = f"{self.path}" if self.path is not None else "<set>"
        super().__init__(f"{where}: {key}: {why}" if key else f"{where}: {why}")


class ShapeError(InputError):
    """Array arguments have the wrong shape or dtype; names argument and both sides."""


class DependencyMissing(PrevizError, ImportError):
    """An optional dependency is not installed; the message gives the install hint."""

    def __init__(self, module: str, extra: str, feature: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{feature} needs the '{module}' package: pip install 'previzkit[{extra}]'"
        )


# --- media -------------------------------------------------------------------------


class VideoOpenError(InputError):
    """A video or image could not be opened or decoded."""


class VideoWriteError(PrevizError):
    """A video could not be encoded or written."""


# --- rendering and GPU -----------------------------------------------------------


class GLContextError(PrevizError):
    """No OpenGL context could be created (no EGL, no display)."""


class ShaderError(PrevizError):
    """A shader failed to build on this GL driver, or its inputs do not match the
    buffers given (the message names both sides)."""


class BackendUnavailable(PrevizError):
    """A requested compute backend (numba, cupy, ...) is not present; says why."""


# --- capture, network ------------------------------------------------------------


class ModelNotFound(PrevizError, FileNotFoundError):
    """A model file (MediaPipe bundle, GAN checkpoint) is missing; says where it looked."""


class CheckpointError(InputError):
    """A model checkpoint is corrupt or not one of ours."""


class PoseMessageError(InputError):
    """A pose stream message is malformed or of a foreign schema."""


class StreamAuthError(PrevizError):
    """A pose stream peer was refused by authentication."""


# --- XR ----------------------------------------------------------------------------


class XRError(PrevizError):
    """Base of OpenXR errors."""


class XRRuntimeUnavailable(XRError):
    """No OpenXR runtime is installed or active."""


class XRExtensionMissing(XRError):
    """The active OpenXR runtime lacks an extension previzkit needs."""


class XRSessionLost(XRError):
    """The OpenXR session was lost (headset unplugged, runtime stopped)."""


# --- script, edit, takes ----------------------------------------------------------


class FountainError(InputError):
    """A Fountain screenplay could not be read."""


class ShotPlanError(InputError):
    """A shot plan YAML file is malformed; names the file and the key path."""


class LutError(InputError):
    """A .cube LUT file is malformed; names the line."""


class TimecodeError(InputError):
    """A timecode or frame rate is invalid."""


class TakeStoreError(PrevizError):
    """The take store (catalogue or files) is unusable."""


class ExportError(PrevizError):
    """An editorial export failed or the format is unknown."""


class RecordingError(PrevizError):
    """A take could not be recorded (disk full, I/O error); what was flushed is kept."""


class JournalError(InputError):
    """A take journal is not one, is of an unknown version, or its header is corrupt."""


# --- on-set tracking ---------------------------------------------------------------


class TrackingError(InputError):
    """Camera tracking input (FreeD packet, board file, calibration) is malformed."""
