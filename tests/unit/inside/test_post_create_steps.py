"""The post-create steps' own logic: which data and why, per-step logs, locked dependencies."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.core.errors import NotReadyError
from devkit.core.events import Event, Log
from devkit.core.plan import StepContext, StepResult
from devkit.inside.data import ContainerDataStep
from devkit.inside.steps import DepsStep, LoggedStep


def training() -> Profile:
    return ProfileSet(None).get("training")


def test_synthetic_when_chosen(tmp_path: Path) -> None:
    step = ContainerDataStep(tmp_path, training(), "synthetic")
    assert step.choice() == ("synthetic", "--data synthetic was chosen")


def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No broker and nothing in the standard chain (no keys, files, IMDS)."""
    import os

    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_auto_without_a_broker_or_credentials_falls_back_to_synthetic_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_aws(monkeypatch, tmp_path)
    kind, why = ContainerDataStep(tmp_path, training(), None).choice()
    assert kind == "synthetic"
    assert why == (
        "no credentials broker is mounted in this container, "
        "and the AWS credential chain provides no credentials"
    )


def test_cloud_ide_credentials_from_the_standard_chain_go_for_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-at-all")
    kind, why = ContainerDataStep(tmp_path, training(), None).choice()
    assert kind == "sample" and "environment keys" in why
    assert "not-a-real-secret" not in why and "AKIAEXAMPLE" not in why


def test_sample_without_a_broker_is_an_error_naming_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_aws(monkeypatch, tmp_path)
    with pytest.raises(NotReadyError) as caught:
        ContainerDataStep(tmp_path, training(), "sample").choice()
    assert "--data sample" in caught.value.what and "--data synthetic" in caught.value.hint


def test_none_means_no_data(tmp_path: Path) -> None:
    step = ContainerDataStep(tmp_path, training(), "none")
    assert step.choice()[0] == "none" and step.is_done()


class _Talker:
    id = "talk"
    title = "Talks"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        ctx.log("hello from the step")
        if self.fail:
            raise NotReadyError("it broke", "fix it")
        return StepResult("said hello")


def test_logged_step_writes_its_own_log_and_still_reports(tmp_path: Path) -> None:
    seen: list[Event] = []
    LoggedStep(_Talker(), tmp_path / "logs").run(StepContext("talk", seen.append))
    text = (tmp_path / "logs" / "talk.log").read_text()
    assert "hello from the step" in text and "done: said hello" in text
    assert [e.line for e in seen if isinstance(e, Log)] == ["hello from the step"]


def test_logged_step_records_the_failure(tmp_path: Path) -> None:
    with pytest.raises(NotReadyError):
        LoggedStep(_Talker(fail=True), tmp_path).run(StepContext("talk", lambda e: None))
    assert "FAILED: it broke" in (tmp_path / "talk.log").read_text()


def test_deps_compares_the_lockfile_with_the_workload_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVKIT_WORKLOAD_PYTHON", sys.executable)
    lock = tmp_path / "requirements" / "training.lock"
    lock.parent.mkdir()
    lock.write_text(f"pytest=={version('pytest')}\n")
    step = DepsStep(tmp_path, training())
    assert step.missing() == [] and step.is_done()
    lock.write_text(f"pytest=={version('pytest')}\nno-such-dist-devkit==1.0\n")
    assert step.missing() == ["no-such-dist-devkit==1.0"] and not step.is_done()


def test_cloud_ide_web_identity_is_named_without_asking_sts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_aws(monkeypatch, tmp_path)
    token = tmp_path / "token"
    token.write_text("not-a-real-token")
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/ide")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached
    kind, why = ContainerDataStep(tmp_path, training(), None).choice()
    assert kind == "sample" and "web identity" in why
