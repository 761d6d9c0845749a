from __future__ import annotations

from pathlib import Path

from devkit.config.environments import Environment, EnvironmentMap
from devkit.parity.scan import literals, prod_pattern, scan_env, scan_files

ENVS = EnvironmentMap(
    environments=(
        Environment("dev", ("111111111111",), ("acme-ml-dev-*",)),
        Environment(
            "prod", ("333333333333",), ("acme-ml-prod-*", "acme-ml-*-prod", "acme-ml-registry")
        ),
    ),
    parity_buckets=(),
    source="environments.yaml",
)


def _pattern():  # type: ignore[no-untyped-def]
    pattern = prod_pattern(ENVS)
    assert pattern is not None
    return pattern


def test_matches_prod_buckets_accounts_and_arns_but_not_dev_or_lookalikes() -> None:
    pattern = _pattern()
    hits = [
        b"s3://acme-ml-prod-events/raw/",
        b"bucket = 'acme-ml-features-prod'",
        b"arn:aws:s3:::acme-ml-registry/models",
        b"arn:aws:iam::333333333333:role/deploy",
    ]
    misses = [
        b"s3://acme-ml-dev-samples/x",
        b"acme-ml-registry-mirror",
        b"id 13333333333333 is longer",
        b"acme-ml-production-notes",  # matches neither acme-ml-prod-* nor *-prod
    ]
    for text in hits:
        assert pattern.search(text), text
    for text in misses:
        assert not pattern.search(text), text


def test_scan_files_reports_file_and_line_and_skips_binaries(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n\nB = 's3://acme-ml-prod-logs/'\n")
    (tmp_path / "blob.bin").write_bytes(b"\0\0acme-ml-prod-logs")
    (tmp_path / ".devkit").mkdir()
    (tmp_path / ".devkit" / "environments.yaml").write_text("buckets: [acme-ml-prod-*]\n")
    files = ["a.py", "blob.bin", ".devkit/environments.yaml", "deleted.txt"]
    findings = scan_files(tmp_path, files, _pattern())
    assert [(f.where, f.match) for f in findings] == [("a.py:3", "acme-ml-prod-logs")]


def test_scan_env_names_the_variable_not_its_value() -> None:
    findings = scan_env({"DSN": "postgres://u:pw@h/db?bucket=acme-ml-prod-x"}, _pattern(), "env")
    assert [(f.where, f.match) for f in findings] == [("env DSN", "acme-ml-prod-x")]


def test_literals_every_prod_name_contains() -> None:
    assert literals(ENVS) == ["acme-ml-prod-", "acme-ml-", "acme-ml-registry", "333333333333"]
