from __future__ import annotations

import sys

from devkit.parity.fingerprint import environment_facts
from devkit.parity.probe import normalise_name, relevant_env_names, run_probe


def test_env_names_drop_shell_ci_and_credential_noise() -> None:
    names = [
        "PATH",
        "HOME",
        "GITHUB_SHA",
        "AWS_SECRET_ACCESS_KEY",
        "LC_CTYPE",
        "WANDB_MODE",
        "API_PORT",
    ]
    assert relevant_env_names(names) == ["API_PORT", "WANDB_MODE"]


def test_normalise_name() -> None:
    assert normalise_name("Typing_Extensions") == "typing-extensions"
    assert normalise_name("zope.interface") == "zope-interface"


def test_probe_runs_an_interpreter_and_reports_names_only() -> None:
    env = {"PATH": "/usr/bin:/bin", "WORKLOAD_SECRET": "do-not-record-this"}
    probed = run_probe([sys.executable], env)
    facts = environment_facts(probed)
    assert facts["python"]["version"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}")
    assert facts["env_names"] == ["WORKLOAD_SECRET"]
    assert "do-not-record-this" not in repr(facts)
    # devkit's own interpreter: devkit itself is left out of the distributions
    assert "devkit" not in facts["distributions"]
    assert "pyyaml" in facts["distributions"]
