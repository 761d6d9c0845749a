"""A wheel of the running devkit, built from its installed files, and devkit's own pins.

The distribution is named ``acme-ml-devkit`` (the command stays ``devkit``): on public PyPI the
name ``devkit`` belongs to an unrelated project, so nothing ever installs devkit by that bare
name. ``build_wheel`` zips devkit's package folders (including the mapped
``devkit.builtin_profiles`` and ``devkit.templates`` of an editable install) with the
distribution's own METADATA and entry points into a ``py3-none-any`` wheel: no build backend,
no network, milliseconds, and byte-for-byte reproducible (fixed timestamps, sorted entries), so
``devkit init --vendor`` can commit it without churn.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata as metadata
import importlib.util
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import devkit

DIST_NAME = "acme-ml-devkit"
PACKAGES = ("devkit", "devkit.builtin_profiles", "devkit.templates")
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def normalized_name(name: str = DIST_NAME) -> str:
    """PEP 503 normalised project name (``acme-ml-devkit``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_stem(name: str = DIST_NAME) -> str:
    """The distribution part of a wheel file name (``acme_ml_devkit``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_name(version: str | None = None) -> str:
    return f"{wheel_stem()}-{version or devkit.__version__}-py3-none-any.whl"


def package_files() -> list[tuple[str, Path]]:
    """(archive name, file) for every file of devkit's packages, sorted, deduplicated."""
    found: dict[str, Path] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        prefix = name.replace(".", "/")
        for path in _walk(root):
            found.setdefault(f"{prefix}/{path.relative_to(root).as_posix()}", path)
    return sorted(found.items())


def _walk(root: Path) -> Iterator[Path]:
    """Every file under ``root`` (a symlink to a file too; a symlinked folder is not entered),
    leaving out ``__pycache__`` and compiled files. Folder entries say what they are, so no
    file is stat'ed but symlinks (and nothing under ``__pycache__`` is even listed)."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.name in _SKIP_DIRS:
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file() and not entry.name.endswith(_SKIP_SUFFIXES):
            yield Path(entry.path)


def fingerprint() -> str:
    """sha256 over devkit's version, metadata and every package file (what the wheel holds)."""
    digest = hashlib.sha256(devkit.__version__.encode())
    digest.update(_metadata_text().encode())
    for arcname, path in package_files():
        digest.update(arcname.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _dist() -> metadata.Distribution | None:
    try:
        return metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        return None


def _metadata_text() -> str:
    dist = _dist()
    text = dist.read_text("METADATA") if dist else None
    return text or f"Metadata-Version: 2.1\nName: {DIST_NAME}\nVersion: {devkit.__version__}\n"


def runtime_requirements(python: str = "3.11") -> list[str]:
    """devkit's runtime dependencies and theirs (no extras), each pinned to the version installed
    on the host: the image's devkit environment is the host's, to the last transitive package.

    Markers are evaluated for a Linux image with Python ``python``; a requirement whose marker
    cannot be evaluated counts when the host has it installed.
    """
    evaluate = _marker_evaluator(python)
    pinned: dict[str, str] = {}
    done: set[tuple[str, str]] = set()
    todo = [(req, "") for req in ((_dist() or _NoDist()).requires or [])]
    while todo:
        req, extra = todo.pop()
        spec, _, marker = req.partition(";")
        if marker.strip() and not evaluate(marker.strip(), extra):
            continue
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?", spec)
        if not match:
            continue
        name, extras = match.group(1), [e.strip() for e in (match.group(2) or "").split(",")]
        key = normalized_name(name)
        if key == normalized_name():
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if not marker.strip() and key not in pinned:
                pinned[key] = spec.strip()
            continue
        pinned[key] = f"{dist.metadata['Name'] or name}=={dist.version}"
        for wanted in ["", *[e for e in extras if e]]:
            if (key, wanted) not in done:
                done.add((key, wanted))
                todo.extend((r, wanted) for r in dist.requires or [])
    return sorted(pinned.values(), key=str.lower)


class _NoDist:
    requires: list[str] | None = None


def _marker_evaluator(python: str) -> Callable[[str, str], bool]:
    module: Any = None
    for name in ("packaging.markers", "pip._vendor.packaging.markers"):
        try:
            module = importlib.import_module(name)
            break
        except ImportError:
            continue
    env = {
        "python_version": python,
        "python_full_version": python + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }

    def evaluate(text: str, extra: str) -> bool:
        if module is None:
            return "extra" not in text or bool(extra and f'"{extra}"' in text)
        try:
            return bool(module.Marker(text).evaluate({**env, "extra": extra}))
        except Exception:
            return "extra" not in text

    return evaluate


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def wheel_bytes() -> bytes:
    """The wheel of the running devkit, as bytes (a function of its content only).

    Zipping is most of the cost of ``devkit init --vendor`` on a warm workspace, so a wheel
    once built is kept in a private per-user cache (``$DEVKIT_CACHE_DIR/wheels``, see
    ``devkit.core.userdirs``) under the SHA-256 of everything it holds, and read back while
    devkit's files are unchanged; ``DEVKIT_WHEEL_CACHE=0`` turns that off. Anything unreadable
    there is a miss: the wheel is built again."""
    entries = [(arcname, path.read_bytes()) for arcname, path in package_files()]
    entries += list(_dist_info_entries().items())
    digest = hashlib.sha256(f"devkit-wheel-v{CACHE_FORMAT}\0".encode())
    for arcname, data in entries:
        digest.update(arcname.encode() + b"\0" + hashlib.sha256(data).digest())
    name = f"{digest.hexdigest()}.whl"
    cached = _cache_get(name)
    if cached is not None:
        return cached
    built = _zip(entries)
    _cache_put(name, built)
    return built


def _dist_info_entries() -> dict[str, bytes]:
    dist_info = f"{wheel_stem()}-{devkit.__version__}.dist-info"
    dist = _dist()
    entry_points = (dist.read_text("entry_points.txt") if dist else None) or (
        "[console_scripts]\ndevkit = devkit.cli:main\n"
    )
    return {
        f"{dist_info}/METADATA": _metadata_text().encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: devkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": entry_points.encode(),
    }


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """The wheel of ``entries`` (package files, then the dist-info files), RECORD last."""
    dist_info = f"{wheel_stem()}-{devkit.__version__}.dist-info"
    record: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in entries:
            zf.writestr(_zipinfo(arcname), data)
            record.append(_record_line(arcname, data))
        record.append(f"{dist_info}/RECORD,,")
        zf.writestr(_zipinfo(f"{dist_info}/RECORD"), "\n".join(record) + "\n")
    return buffer.getvalue()


CACHE_FORMAT = 1
CACHE_KEEP = 8  # wheels kept (the newest); one per devkit version or checkout in use
CACHE_MAX = 64 << 20


def _cache_folder() -> Path:
    from devkit.core.userdirs import cache_root

    return cache_root() / "wheels"


def _cache_get(name: str) -> bytes | None:
    from devkit import privatefs
    from devkit.core.userdirs import switched_on

    if not switched_on("DEVKIT_WHEEL_CACHE"):
        return None
    return privatefs.read_private(_cache_folder(), name, CACHE_MAX)


def _cache_put(name: str, data: bytes) -> None:
    from devkit import privatefs
    from devkit.core.userdirs import switched_on

    if not switched_on("DEVKIT_WHEEL_CACHE"):
        return
    folder = _cache_folder()
    try:
        if not privatefs.write_private(folder, name, data):
            return
        aged = sorted(
            (entry.stat().st_mtime, entry.name)
            for entry in os.scandir(folder)
            if entry.name.endswith(".whl") and entry.is_file(follow_symlinks=False)
        )
    except OSError:  # a cache that cannot be written is no cache, never an error
        return
    for _mtime, old in aged[: max(0, len(aged) - CACHE_KEEP)]:
        privatefs.remove_private(folder, old)


def build_wheel(dest: Path) -> Path:
    """Write ``acme_ml_devkit-VERSION-py3-none-any.whl`` into ``dest`` and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / wheel_name()
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(wheel_bytes())
    tmp.replace(target)
    return target


def _zipinfo(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp keeps the wheel's bytes a function of its content.
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def devkit_version() -> str:
    return devkit.__version__
