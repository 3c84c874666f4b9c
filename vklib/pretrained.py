"""The pretrained switch: the only place where vklib may reach the internet.

Every chapter runs offline by default. A chapter that can also use downloaded
weights (an ImageNet ResNet-50 for the CAM chapter, open_clip's ViT-B-32 for CLIP)
has one parameter, ``USE_PRETRAINED = False``, in its ``parameters`` cell. When a
reader sets it to ``True``, the chapter calls :func:`require_online` (or :func:`fetch`)
first, so that an offline machine fails within two seconds with a message saying
what to do, instead of hanging in a download.

Offline means any of:

* ``VKLIB_OFFLINE=1`` or ``HF_HUB_OFFLINE=1`` in the environment (CI sets the latter);
* no TCP connection to the host within ``timeout`` seconds, name resolution included
  (a hung DNS lookup counts as offline too).

Downloaded files are checked against their SHA-256 before use, and weights are
loaded with ``torch.load(..., weights_only=True)`` (:func:`load_state_dict`), which
cannot run code hidden in a pickle.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["offline_reason", "require_online", "fetch", "sha256sum", "load_state_dict", "cache_dir"]

_TRUE = {"1", "true", "yes", "on"}


def cache_dir() -> Path:
    """Where downloads are kept: ``$VKLIB_CACHE`` or ``~/.cache/vklib``."""
    return Path(os.environ.get("VKLIB_CACHE", Path.home() / ".cache" / "vklib"))


def offline_reason(host: str = "huggingface.co", *, timeout: float = 1.5) -> str | None:
    """Why downloads from ``host`` cannot work now, or ``None`` if they can.

    Checks the environment switches first (instant), then tries one TCP connection
    to ``host`` on port 443. The whole attempt, DNS lookup included, runs in a
    background thread that is given ``timeout`` seconds: ``socket``'s own timeout does not
    bound name resolution, which can hang for much longer on a machine without a network.
    """
    for var in ("VKLIB_OFFLINE", "HF_HUB_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            return f"{var}={os.environ[var]} is set in the environment"
    outcome = []

    def attempt():
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                outcome.append(None)
        except OSError as error:
            outcome.append(f"{host} cannot be reached ({error.__class__.__name__}: {error})")

    worker = threading.Thread(target=attempt, daemon=True)  # a hung lookup is left behind, not waited for
    worker.start()
    worker.join(timeout + 0.25)  # the connection's own timeout normally answers first
    if not outcome:
        return f"{host} gave no answer within {timeout:g} s (name resolution or connection)"
    return outcome[0]


def require_online(what: str, *, host: str = "huggingface.co", timeout: float = 1.5) -> None:
    """Raise ``ConnectionError`` at once if ``what`` cannot be downloaded from ``host``.

    Parameters
    ----------
    what : str
        What the caller is about to download, for the message (``"open_clip ViT-B-32 weights"``).
    host : str
        The host the download comes from.
    timeout : float
        Seconds to wait for a TCP connection (the whole check stays under 2 s).
    """
    reason = offline_reason(host, timeout=timeout)
    if reason is not None:
        raise ConnectionError(
            f"{what} must be downloaded from {host}, but this machine is offline: {reason}. "
            "Either run the chapter with USE_PRETRAINED = False (the default, which uses the "
            "book's own offline model), or connect to the internet and unset VKLIB_OFFLINE / "
            "HF_HUB_OFFLINE."
        )


def sha256sum(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, *, sha256: str, filename: str | None = None, directory: str | os.PathLike | None = None,
          timeout: float = 1.5) -> Path:
    """Download ``url`` into the cache once, verify its SHA-256, and return its path.

    Parameters
    ----------
    url : str
        ``https://`` address of the file.
    sha256 : str
        Expected hex digest (64 characters). A cached file is re-verified on every call.
    filename : str, optional
        Name in the cache (default: the last part of the URL).
    directory : path, optional
        Cache folder (default :func:`cache_dir`).
    timeout : float
        Seconds for the connectivity check before downloading.

    Raises
    ------
    ValueError
        ``url`` is not https, or ``sha256`` is not 64 hex digits, or the downloaded file's
        digest differs (the file is then deleted).
    ConnectionError
        Offline (see :func:`require_online`); raised within ``timeout`` seconds.
    """
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(f"url must be an https:// address, got {url!r}")
    if not (isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256.lower())):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    folder = Path(directory) if directory is not None else cache_dir()
    target = folder / (filename or Path(parsed.path).name)
    if target.exists():
        if sha256sum(target) == sha256.lower():
            return target
        target.unlink()  # a corrupted or outdated copy: fetch it again
    require_online(f"the file {target.name}", host=parsed.hostname, timeout=timeout)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
        with urllib.request.urlopen(url, timeout=60) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                tmp.write(block)
    got = sha256sum(tmp.name)
    if got != sha256.lower():
        os.unlink(tmp.name)
        raise ValueError(f"{url} has SHA-256 {got}, expected {sha256.lower()}: the download was not used")
    os.replace(tmp.name, target)
    return target


def load_state_dict(path: str | os.PathLike, *, sha256: str | None = None, map_location="cpu") -> dict:
    """Load a ``state_dict`` saved with ``torch.save``, safely (``weights_only=True``).

    If ``sha256`` is given the file is verified first (``ValueError`` on mismatch).
    """
    import torch

    if sha256 is not None:
        got = sha256sum(path)
        if got != sha256.lower():
            raise ValueError(f"{path} has SHA-256 {got}, expected {sha256.lower()}")
    return torch.load(path, map_location=map_location, weights_only=True)
