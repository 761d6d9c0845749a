from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit.config.profiles import ProfileSet
from devkit.core.plan import Plan, StepContext, StepResult
from devkit.init.request import InitRequest
from devkit.tui.services import (
    BranchStatus,
    branch_status_from_info,
    data_size_text,
    diff_text,
    profile_summary,
    review_items,
)


def _info(**over: object) -> dict[str, object]:
    info: dict[str, object] = {"name": "feat/x", "base": "main", "problems": [], "current": "main"}
    info |= {"exists_locally": False, "exists_remotely": False, "start": "main"}
    return info | over


def test_branch_status_from_info() -> None:
    bad = branch_status_from_info(_info(problems=["'x y' is not a valid git branch name"]))
    assert bad.problems and bad.exists is None
    assert branch_status_from_info(_info()) == BranchStatus([], False, "from main")
    assert branch_status_from_info(_info(start="origin/main")).detail == "from origin/main"
    assert branch_status_from_info(_info(exists_locally=True)).exists is True
    assert branch_status_from_info(_info(current="feat/x")).detail == "you are on it"
    remote = branch_status_from_info(_info(exists_remotely=True, start="origin/feat/x"))
    assert remote == BranchStatus([], False, "tracks origin/feat/x")


def test_choices_missing() -> None:
    assert InitRequest().missing() == ["profile", "branch", "data"]
    assert InitRequest("api", "feat/x", "none").missing() == []


def test_profile_summary_names_image_ports_data_secrets() -> None:
    training = ProfileSet(None).get("training")
    rows = dict(profile_summary(training))
    assert "Python 3.11" in rows["image"]
    assert rows["ports"] == "5000"
    assert "WANDB_API_KEY" in rows["secrets"]
    assert "2.0 GiB" in rows["data"] and "s3://acme-ml-dev-samples/training/v3/" in rows["data"]
    assert "synthetic 10,010 rows in 2 tables" in data_size_text(training, "synthetic")
    assert data_size_text(training, "none") == "none"


def test_diff_text_only_for_changed_existing_files(tmp_path: Path) -> None:
    assert diff_text(tmp_path / "new.json", "{}", "new.json") == []
    (tmp_path / "same.json").write_text("{}\n")
    assert diff_text(tmp_path / "same.json", "{}\n", "same.json") == []
    (tmp_path / "old.json").write_text('{"a": 1}\n')
    diff = diff_text(tmp_path / "old.json", '{"a": 2}\n', "old.json")
    assert '-{"a": 1}' in diff and '+{"a": 2}' in diff


@dataclass
class _Write:
    root: Path
    id: str = "write"
    title: str = "write config"

    def describe(self) -> list[str]:
        return ["replace conf.json"]

    def planned_files(self) -> dict[str, str]:
        return {"conf.json": "new\n"}

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        return StepResult("")


@dataclass
class _Done(_Write):
    id: str = "done"
    title: str = "already there"

    def is_done(self) -> bool:
        return True


def test_review_items_from_describe_with_diffs(tmp_path: Path) -> None:
    (tmp_path / "conf.json").write_text("old\n")
    items = review_items(Plan("p", [_Write(tmp_path), _Done(tmp_path)]), tmp_path)
    assert [(i.step_id, i.done) for i in items] == [("write", False), ("done", True)]
    assert items[0].changes == ["replace conf.json"]
    assert "-old" in items[0].diffs and "+new" in items[0].diffs
    assert items[1].diffs == []
