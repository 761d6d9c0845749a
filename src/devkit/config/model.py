"""Typed views of validated profile data (built only after validation passed)."""

from __future__ import annotations

from typing import Any

from devkit.config.schema import parse_size
from devkit.core.records import dataclass, field

DEFAULT_BRANCH_PATTERN = r"^(feat|fix|exp|chore)/[a-z0-9][a-z0-9._-]*$"


@dataclass(frozen=True)
class ImageSpec:
    base: str
    python: str
    system_packages: tuple[str, ...] = ()
    lockfile: str | None = None
    user: str | None = None
    prebuilt: str | None = None  # REGISTRY/REPO of the team's prebuilt image (no tag)


@dataclass(frozen=True)
class Resources:
    cpus: float | None = None
    memory_bytes: int | None = None
    memory: str | None = None


@dataclass(frozen=True)
class BranchPolicy:
    pattern: str = DEFAULT_BRANCH_PATTERN
    base: str = "main"


@dataclass(frozen=True)
class DataSource:
    bucket: str
    prefix: str = ""
    region: str | None = None
    role_arn: str | None = None
    allow_environments: tuple[str, ...] = ("dev",)


@dataclass(frozen=True)
class SampleRules:
    prefixes: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_bytes: int | None = None
    max_objects: int | None = None
    fraction: float | None = None


@dataclass(frozen=True)
class DataSpec:
    dest: str
    source: DataSource | None = None
    sample: SampleRules = field(default_factory=SampleRules)
    synthetic_seed: int = 0
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ParityRule:
    id: str
    severity: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    image: ImageSpec
    source_files: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    resources: Resources = field(default_factory=Resources)
    ports: tuple[int, ...] = ()
    mounts: tuple[str, ...] = ()
    editor_extensions: tuple[str, ...] = ()
    editor_settings: dict[str, Any] = field(default_factory=dict)
    post_create: tuple[str, ...] = ()
    ca_bundle: str = "auto"
    branch: BranchPolicy = field(default_factory=BranchPolicy)
    data: DataSpec | None = None
    parity_reference: str | None = None
    parity_rules: tuple[ParityRule, ...] = ()
    parity_scan: tuple[str, ...] = ()  # globs of the workload's Python; () = the default
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def build_profile(raw: dict[str, Any], source_files: tuple[str, ...]) -> Profile:
    """Turn a merged, validated mapping into a Profile."""
    image = raw["image"]
    resources = raw.get("resources", {})
    memory = resources.get("memory")
    branch = raw.get("branch", {})
    parity = raw.get("parity", {})
    return Profile(
        name=raw["name"],
        description=raw["description"],
        image=ImageSpec(
            base=image["base"],
            python=str(image["python"]),
            system_packages=tuple(image.get("system_packages", ())),
            lockfile=image.get("lockfile"),
            user=image.get("user"),
            prebuilt=image.get("prebuilt"),
        ),
        source_files=source_files,
        env={k: _env_value(v) for k, v in raw.get("env", {}).items()},
        secrets=tuple(raw.get("secrets", ())),
        resources=Resources(
            cpus=resources.get("cpus"),
            memory_bytes=parse_size(memory) if memory is not None else None,
            memory=str(memory) if memory is not None else None,
        ),
        ports=tuple(raw.get("ports", ())),
        mounts=tuple(raw.get("mounts", ())),
        editor_extensions=tuple(raw.get("editor", {}).get("extensions", ())),
        editor_settings=dict(raw.get("editor", {}).get("settings", {})),
        post_create=tuple(raw.get("post_create", ())),
        ca_bundle=raw.get("trust", {}).get("ca_bundle", "auto"),
        branch=BranchPolicy(
            pattern=branch.get("pattern", DEFAULT_BRANCH_PATTERN), base=branch.get("base", "main")
        ),
        data=_build_data(raw["data"]) if "data" in raw else None,
        parity_reference=parity.get("reference"),
        parity_rules=tuple(_build_rule(k, v) for k, v in parity.get("rules", {}).items()),
        parity_scan=tuple(parity.get("scan", ())),
        raw=raw,
    )


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _build_data(data: dict[str, Any]) -> DataSpec:
    source = data.get("source")
    sample = data.get("sample", {})
    synthetic = data.get("synthetic", {})
    max_bytes = sample.get("max_bytes")
    return DataSpec(
        dest=data["dest"],
        source=DataSource(
            bucket=source["bucket"],
            prefix=source.get("prefix", ""),
            region=source.get("region"),
            role_arn=source.get("role_arn"),
            allow_environments=tuple(source.get("allow_environments", ("dev",))),
        )
        if source
        else None,
        sample=SampleRules(
            prefixes=tuple(sample.get("prefixes", ())),
            include=tuple(sample.get("include", ())),
            exclude=tuple(sample.get("exclude", ())),
            max_bytes=parse_size(max_bytes) if max_bytes is not None else None,
            max_objects=sample.get("max_objects"),
            fraction=sample.get("fraction"),
        ),
        synthetic_seed=int(synthetic.get("seed", 0)),
        tables=dict(synthetic.get("tables", {})),
    )


def _build_rule(rule_id: str, value: str | dict[str, Any]) -> ParityRule:
    if isinstance(value, str):
        return ParityRule(rule_id, value)
    options = {k: v for k, v in value.items() if k != "severity"}
    return ParityRule(rule_id, value["severity"], options)
