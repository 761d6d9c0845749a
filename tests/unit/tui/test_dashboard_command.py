from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from devkit.commands import dashboard


def test_outside_a_repository_the_dashboard_shows_the_help(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from devkit.parser import build_parser

    args = argparse.Namespace(workspace=str(tmp_path))
    assert dashboard.run(args, build_parser().print_help) == 0
    assert "usage: devkit" in capsys.readouterr().out
