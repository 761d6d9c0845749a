"""The machine-local parts of the stand-in staging image's build context (examples/staging-parity/).

Staging's deploy installs devkit from its package index; a machine without one (the README
demo, the tests) gets the same thing offline in ``devkit/``: the wheel of the running devkit and
its dependencies' wheels from the host's wheelhouse, plus a ``requirements.txt`` naming them.
``trust/`` holds the CA bundle this machine trusts, for the build's package downloads only.

    python -m devkit.parity.standin CONTEXT [--python 3.11] [--arch x86_64]
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

from devkit.container import wheel, wheelhouse
from devkit.container.trust import detect_ca_bundle
from devkit.core.errors import DevkitError


def devkit_wheels(dest: Path, python: str, arch: str) -> Path:
    """Fill ``dest`` with devkit's wheel, its dependencies' wheels and a requirements.txt."""

    requirements = wheel.runtime_requirements()
    house = wheelhouse.ensure(requirements, python, arch, lambda line: print(line, file=sys.stderr))
    dest.mkdir(parents=True, exist_ok=True)
    wheelhouse.link_tree(house, dest)
    wheel.build_wheel(dest)
    listing = dest / "requirements.txt"
    listing.unlink(missing_ok=True)  # a hard link into the wheelhouse: never write through it
    listing.write_text("\n".join([*requirements, wheel.DIST_NAME]) + "\n", encoding="utf-8")
    return dest


def build_trust(dest: Path, setting: str = "auto") -> Path:
    """``dest/ca-bundle.crt``: the CA bundle this machine trusts (empty when none), so the
    image build reaches the package index through an intercepting proxy as the host does. Only
    the build's pip step uses it; the image does not install it (that is a dev extra)."""

    dest.mkdir(parents=True, exist_ok=True)
    bundle = detect_ca_bundle(setting)
    target = dest / "ca-bundle.crt"
    target.write_bytes(bundle.read_bytes() if bundle is not None else b"")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.parity.standin")
    parser.add_argument("context", type=Path, help="the build context: writes devkit/, trust/")
    parser.add_argument("--python", default=f"{sys.version_info[0]}.{sys.version_info[1]}")
    parser.add_argument("--arch", default=platform.machine())
    args = parser.parse_args(argv)
    try:
        devkit_wheels(args.context / "devkit", args.python, args.arch)
        build_trust(args.context / "trust")
    except DevkitError as exc:
        print(f"error: {exc.what}\nhint: {exc.hint}", file=sys.stderr)
        return int(exc.code)
    except OSError as exc:
        print(
            f"error: cannot write the build context {args.context}: {exc.strerror or exc}\n"
            "hint: pass a folder you can write to",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
