"""One profile of each other workload comes up from the sample workspace and its program runs;
the API answers on its port through 127.0.0.1 (the container shares the host's network)."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from .conftest import devkit, init_args, sample_workspace, the_container, timed

PROGRAMS = {
    "ingestion": (["python", "ingestion/ingest.py"], "pages with status 200"),
    "inference": (["python", "inference/enrich.py"], "enriched 2000 prompts"),
}


def get_json(url: str) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=2) as resp:
        return json.loads(resp.read())


@pytest.mark.parametrize("profile", ["ingestion", "inference", "api"])
def test_workload_comes_up_and_its_program_runs(
    profile: str, tmp_path: Any, docker_engine: Any, base_image: str
) -> None:
    repo = sample_workspace(tmp_path / "ml-platform")
    started = time.monotonic()
    proc = devkit(repo, *init_args(profile, f"feat/e2e-{profile}", base_image))
    timed(f"init {profile} (synthetic)", started)
    try:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        if profile in PROGRAMS:
            command, expected = PROGRAMS[profile]
            run = devkit(repo, "run", "--", *command)
            assert run.returncode == 0, run.stdout + run.stderr
            assert expected in run.stdout
            return
        container = the_container(docker_engine, repo.path)
        container.exec_run(["python", "api/app.py"], workdir="/workspace", detach=True)
        deadline = time.monotonic() + 60
        health: Any = None
        while time.monotonic() < deadline:
            try:
                health = get_json("http://127.0.0.1:8000/health")
                break
            except OSError:
                time.sleep(0.5)
        assert health == {"ok": True, "records": 5000}, health
        record = get_json("http://127.0.0.1:8000/records/0")
        assert set(record) >= {"record_id", "customer_id", "summary"}
    finally:
        assert devkit(repo, "down").returncode == 0
