"""devkit's entry point: a command's fast answer when it has one, else the parsed command line
dispatched to one small function per command, its known errors printed as what and what to do.

Nothing heavy is imported here: the parser (``devkit.parser``) after the fast answers, and each
command imports its libraries (textual, boto3, docker, git) when it runs.
"""

from __future__ import annotations

import gc
import os
import sys

from devkit import __version__
from devkit.argv import command_named
from devkit.core.errors import DevkitError, ExitCode

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import NoReturn

# The cyclic collector runs after this many new container objects (CPython's default: 700).
# A command's imports make tens of thousands of objects that live as long as it does and none
# of them is garbage; see ``run``.
GC_YOUNG = 100_000

# Commands that answer their commonest case before the command line is parsed: the module's
# ``fast(argv)`` gives an exit code, or None for the full run.
FAST = {"sync-data": "devkit.commands.sync_data"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    answered = _fast(argv)
    if answered is not None:
        return answered
    from devkit.parser import build_parser, parse
    from devkit.terminal import set_color

    args = parse(argv)
    args.argv = argv  # the command line as given (a command may key a record on it)
    set_color(args.color)
    if args.command is None:
        return _no_command(build_parser(), args)
    return run_command(args)


def run() -> NoReturn:
    """The installed command (``bin/devkit``, ``python -m devkit``): ``main``, then the process
    ends with its exit code (``leave``). argparse's ``--help``, ``--version`` and usage errors
    end it the same way.

    The cyclic collector runs after ``GC_YOUNG`` new objects instead of 700. With the default,
    a first sync of the day (boto3's ~70,000 objects) ran it 138 times, one full pass among
    them, 80 ms in all, with the workers' threads waiting on it. The whole run (8 x 32 MiB,
    alternating runs, medians) took 613 ms against 504 ms, and 652 against 613 with the order
    swapped. Garbage in cycles is still collected, less often: a long session (the TUI) keeps
    its memory bounded."""
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    try:
        code = main()
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise
        code = exc.code or 0
    leave(code)


def leave(code: int) -> NoReturn:
    """End the process with ``code``. When nothing is left for the interpreter's finalisation
    to do, it is skipped: stdout and stderr are flushed here, and freeing every module and
    object one by one took 9 ms after a sync of 8 objects and 3 ms after a no-op (most of the
    latter's time). The usual exit runs when anything could still need it: an ``atexit``
    callback (logging's, a temporary folder's finaliser, coverage's), a thread that is not a
    daemon still running (an exit waits for it), a profiler or tracer (which reports after the
    exit), or a stream that cannot be flushed; a stream that is not there (started with its
    descriptor closed) has nothing to flush."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    threading = sys.modules.get("threading")  # not imported: no thread was started
    if threading is not None:
        if getattr(threading, "_threading_atexits", None):  # concurrent.futures' hook
            sys.exit(code)
        first = threading.main_thread()
        for thread in threading.enumerate():
            if thread is not first and not thread.daemon and thread.is_alive():
                sys.exit(code)
    import atexit

    if atexit._ncallbacks():
        sys.exit(code)
    os._exit(code)


def _fast(argv: list[str]) -> int | None:
    """A command's commonest case answered before anything is parsed or loaded, when the
    command has such a path (``fast(argv)``, e.g. a no-op ``sync-data``); None otherwise."""
    name = command_named(argv, FAST)
    if name is None or "_ARGCOMPLETE" in os.environ:
        return None
    fast = __import__(FAST[name], fromlist=["fast"]).fast  # importlib would import warnings
    try:
        code = fast(argv)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return int(ExitCode.OK)
    return None if code is None else int(code)


def _interrupted() -> int:
    from devkit.terminal import err

    err("error: interrupted")
    err("hint: nothing was left half-made; run the command again to finish")
    return int(ExitCode.INTERRUPTED)


def _no_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from devkit.terminal import can_use_tui

    if can_use_tui(no_input=False):
        from devkit.commands import dashboard

        return run_command(args, lambda a: dashboard.run(a, parser.print_help))
    parser.print_help()
    return int(ExitCode.OK)


def run_command(args: argparse.Namespace, func: object | None = None) -> int:
    """The one top-level handler: known errors print what and what to do."""
    from devkit.terminal import err, print_error

    handler = func or args.handler
    try:
        code = handler(args)  # type: ignore[operator]
        return int(code)
    except DevkitError as exc:
        print_error(exc)
        return int(exc.code)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return int(ExitCode.OK)
    except (RecursionError, MemoryError) as exc:
        # A last net for input that is too big or too deep for a check that should have caught
        # it: bad input (exit 2), not a crash; the traceback still goes to the crash log.
        path = _log_crash(args, exc)
        err(f"error: the input is too large or too deeply nested ({type(exc).__name__})")
        err(f"hint: check the profile and data files for huge values; details in {path}")
        return int(ExitCode.BAD_INPUT)
    except Exception as exc:
        path = _log_crash(args, exc)
        err(f"error: unexpected {type(exc).__name__}: {exc}")
        err(f"hint: this is a bug in devkit; the traceback is in {path}")
        return 70


def crash_dir() -> str:
    """A private per-user folder for crash logs: ``$XDG_STATE_HOME/devkit/crash`` (or
    ``~/.local/state/devkit/crash``), mode 0700, owned by the user, not a symlink.

    Never a shared temp folder: another user could plant a symlink at a predictable name there.
    """
    import stat

    base = os.environ.get("XDG_STATE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    folder = os.path.join(base, "devkit", "crash")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise OSError(f"{folder} is not a private folder of this user (mode 0700, not a symlink)")
    return folder


def _log_crash(args: argparse.Namespace, exc: BaseException) -> str:
    import secrets
    import time
    import traceback

    try:
        folder = crash_dir()
        name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.log"
        path = os.path.join(folder, name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(path, flags, 0o600), "w", encoding="utf-8") as fh:
            fh.write(f"devkit {__version__} {' '.join(sys.argv)}\n")
            traceback.print_exception(exc, file=fh)
    except OSError as problem:
        return f"(nowhere: {problem})"
    return path
