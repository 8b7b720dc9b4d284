"""CurveZMQ keys for authenticated, encrypted streams (poses, the shared set state).

``previzkit keys DIR --name stage`` writes ``DIR/stage.key`` (public, share it) and
``DIR/stage.key_secret`` (keep it). The server socket loads its secret file and a
folder of the public keys of the clients it accepts (:func:`curve_server`); each client
loads its own secret file and the server's public file (:func:`curve_client`). ZeroMQ
refuses everyone else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def curve_server(
    ctx: Any, sock: Any, secret_file: str | Path, clients_dir: str | Path | None
) -> Any:
    """Make ``sock`` a CurveZMQ server with ``secret_file``'s key; accept only the public
    keys in ``clients_dir`` (any client holding the server's public key if None).
    Returns the started ZAP authenticator (stop it after closing ``sock``); one per
    ZeroMQ context."""
    zmq = require("zmq", "capture", "CurveZMQ")
    ThreadAuthenticator = require("zmq.auth.thread", "capture", "CurveZMQ").ThreadAuthenticator

    public, secret = load_keys(secret_file, need_secret=True)
    if clients_dir is not None and not Path(clients_dir).is_dir():
        raise InputError(f"CurveZMQ clients folder {clients_dir} does not exist")
    auth = ThreadAuthenticator(ctx)
    auth.start()
    if clients_dir is None:
        auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
    else:
        auth.configure_curve(domain="*", location=str(clients_dir))
    sock.curve_secretkey = secret
    sock.curve_publickey = public
    sock.curve_server = True
    return auth


def curve_client(sock: Any, secret_file: str | Path, server_file: str | Path) -> None:
    """Make ``sock`` a CurveZMQ client with ``secret_file``'s key pair that trusts only
    the server whose public key is ``server_file``, for the connects made after this."""
    public, secret = load_keys(secret_file, need_secret=True)
    server_public, _ = load_keys(server_file, need_secret=False)
    sock.curve_publickey = public
    sock.curve_secretkey = secret
    sock.curve_serverkey = server_public
