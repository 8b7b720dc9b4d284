"""CurveZMQ keys for authenticated, encrypted pose streams.

``previzkit keys DIR --name stage`` writes ``DIR/stage.key`` (public, share it) and
``DIR/stage.key_secret`` (keep it). The publisher (server) loads its secret file and a
folder of the public keys of the subscribers it accepts; each subscriber loads its own
secret file and the server's public file. ZeroMQ refuses everyone else.
"""

from __future__ import annotations

from pathlib import Path

from previzkit.core.errors import InputError, MissingFileError, StreamAuthError
from previzkit.core.optional import require


def create_keys(folder: str | Path, name: str) -> tuple[Path, Path]:
    """Write a new key pair; returns (public file, secret file). Never overwrites."""
    zmq_auth = require("zmq.auth", "capture", "CurveZMQ keys")

    if not name or "/" in name or name.startswith("."):
        raise InputError(f"key name {name!r} must be a plain file name")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"keys folder {folder} is a file: give a folder to write the keys in")
    folder.mkdir(parents=True, exist_ok=True)
    public, secret = folder / f"{name}.key", folder / f"{name}.key_secret"
    for p in (public, secret):
        if p.exists():
            raise InputError(f"{p} exists already: choose another --name or folder")
    pub, sec = zmq_auth.create_certificates(folder, name)
    Path(sec).chmod(0o600)
    return Path(pub), Path(sec)


def load_keys(path: str | Path, need_secret: bool) -> tuple[bytes, bytes | None]:
    """(public, secret) Z85 keys from a key file; errors name the file."""
    zmq_auth = require("zmq.auth", "capture", "CurveZMQ keys")

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"CurveZMQ key file {path} does not exist")
    try:
        public, secret = zmq_auth.load_certificate(path)
    except (ValueError, OSError) as exc:
        raise StreamAuthError(f"{path} is not a CurveZMQ key file ({exc})") from None
    if need_secret and not secret:
        raise StreamAuthError(f"{path} holds no secret key (use the .key_secret file)")
    return public, secret
