"""The shape of a profile file and of environments.yaml, as schema specs."""

from __future__ import annotations

from typing import Any

from devkit.config.schema import (
    Bool,
    Checker,
    DateLike,
    Field,
    ListOf,
    MapOf,
    Number,
    Obj,
    Regex,
    RelPath,
    Scalar,
    Size,
    Spec,
    Str,
)
from devkit.config.yamlmarks import Path

NAME = r"[a-z][a-z0-9_-]*"
ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
SEVERITIES = ("error", "warn", "off")
RULES = (
    "python",
    "base_image",
    "lockfile",
    "env_keys",
    "data_schema",
    "data_version",
    "branch",
    "prod_refs",
    "last_run",
)
FORMATS = ("parquet", "csv", "jsonl")
# A registry host (a dot or a port in it, or localhost: never Docker Hub by accident), then a
# repository path in Docker's lowercase grammar; no tag (devkit tags by content hash).
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
PREBUILT_REPO = (
    r"(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+(?::\d{1,5})?|localhost(?::\d{1,5})?"
    r"|[a-zA-Z0-9-]+:\d{1,5})"
    rf"(?:/{_PATH_PART})+"
)
PREBUILT_HINT = (
    "write REGISTRY/REPO without a tag, e.g. registry.example.com/ml/training-dev "
    "(devkit tags by content hash)"
)

# Every number that sizes work has a range: a profile from a clone cannot ask for a billion rows.
MAX_ROWS = 5_000_000
MAX_WORDS = 1_000
MAX_OBJECTS = 10_000_000
MAX_SEED = 2**63 - 1
MAX_CELLS = 200_000_000  # rows × columns (× words for text) over all synthetic tables
_INT: dict[str, Any] = {"integer": True, "minimum": -(2**62), "maximum": 2**62}

# Parameters each synthetic column type accepts besides 'type' and 'nullable'.
COLUMN_PARAMS: dict[str, dict[str, Spec]] = {
    "int": {"min": Number(**_INT), "max": Number(**_INT), "unique": Bool()},
    "float": {
        "min": Number(-1e300, 1e300),
        "max": Number(-1e300, 1e300),
        "distribution": Str(choices=("uniform", "normal", "lognormal")),
        "mean": Number(-1e300, 1e300),
        "std": Number(minimum=0),
        "decimals": Number(integer=True, minimum=0, maximum=12),
    },
    "bool": {"true_fraction": Number(minimum=0, maximum=1)},
    "category": {"values": ListOf(Scalar(), min_items=1), "weights": ListOf(Number(minimum=0))},
    "text": {"words": ListOf(Number(integer=True, minimum=0, maximum=MAX_WORDS), min_items=2)},
    "timestamp": {"start": DateLike(), "end": DateLike()},
    "date": {"start": DateLike(), "end": DateLike()},
    "uuid": {},
    "url": {},
    "email": {},
    "phone": {},
    "foreign_key": {
        "references": Str(pattern=r"[A-Za-z_]\w*\.[A-Za-z_]\w*", pattern_hint="write TABLE.COLUMN")
    },
}


class ColumnSpec(Spec):
    """A synthetic column: its type decides which other keys it accepts."""

    type_name = "column"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, dict):
            checker.add(
                path,
                f"column {path[-1]} must be a mapping with a 'type'",
                "write {type: int, min: 0, max: 9}",
            )
            return
        kind = value.get("type")
        if kind is None:
            checker.add(
                path,
                f"column '{path[-1]}' has no type",
                f"add 'type:' — one of {', '.join(COLUMN_PARAMS)}",
            )
            return
        allowed = {"type": Str(choices=tuple(COLUMN_PARAMS)), "nullable": Number(0, 1)}
        params = COLUMN_PARAMS.get(kind) if isinstance(kind, str) else None
        if params is None:
            allowed["type"].check(kind, (*path, "type"), checker)
            return
        allowed.update(params)
        fields = {name: Field(spec) for name, spec in allowed.items()}
        Obj(fields).check(value, path, checker)
        if kind == "category" and "values" not in value:
            checker.add(path, f"category column '{path[-1]}' has no values", "add 'values: [a, b]'")
        weights, values = value.get("weights"), value.get("values")
        if isinstance(weights, list) and isinstance(values, list) and len(weights) != len(values):
            checker.add(
                (*path, "weights"),
                f"{len(weights)} weights for {len(values)} values",
                "give one weight per value",
            )
        if kind == "foreign_key" and "references" not in value:
            checker.add(
                path,
                f"foreign key column '{path[-1]}' names no table",
                "add 'references: TABLE.COLUMN'",
            )
        low, high = value.get("min"), value.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            checker.add((*path, "min"), f"min {low} is greater than max {high}", "swap them")


TABLE = Obj(
    {
        "rows": Field(
            Number(integer=True, minimum=0, maximum=MAX_ROWS), required=True, doc="how many rows"
        ),
        "format": Field(Str(choices=FORMATS)),
        "path": Field(RelPath(of="data.dest"), doc="file path under the data destination"),
        "columns": Field(MapOf(ColumnSpec(), key_pattern=r"[A-Za-z_][A-Za-z0-9_]*"), required=True),
    }
)

RULE = Obj(
    {
        "severity": Field(Str(choices=SEVERITIES), required=True),
        "max_behind": Field(Number(integer=True, minimum=0, maximum=1_000_000)),
    }
)


class JsonValue(Spec):
    """Any value JSON can hold (an editor setting): scalars, lists and string-keyed mappings."""

    type_name = "JSON value"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if value is None or isinstance(value, bool | int | float | str):
            return
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.check(item, (*path, index), checker)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    checker.add((*path, key), f"setting key {key!r} must be a string", "quote it")
                self.check(item, (*path, key), checker)
            return
        checker.add(
            path,
            f"{'.'.join(str(p) for p in path)} must be a JSON value, not {type(value).__name__}",
            "write a string, number, boolean, list or mapping",
        )


EXTENSION_ID = r"[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z0-9][A-Za-z0-9.-]*(@[\w.-]+)?"


class RuleSpec(Spec):
    """A parity rule: a bare severity or a mapping with severity and options."""

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if isinstance(value, str):
            Str(choices=SEVERITIES).check(value, path, checker)
        else:
            RULE.check(value, path, checker)


def _check_rule_names(value: dict[str, Any], path: Path, checker: Checker) -> None:
    rules = value.get("rules")
    if isinstance(rules, dict):
        for name in rules:
            Str(choices=RULES).check(name, (*path, "rules", name), checker)


PROFILE = Obj(
    {
        "name": Field(Str(pattern=NAME, pattern_hint="use lowercase letters, digits, - and _")),
        "description": Field(Str(), required=True, doc="one line for 'devkit profiles list'"),
        "extends": Field(Str(pattern=NAME, pattern_hint="name another profile")),
        "abstract": Field(Bool(), doc="only a parent for other profiles; not listed or used alone"),
        "image": Field(
            Obj(
                {
                    "base": Field(Str(), required=True, doc="base image reference"),
                    "python": Field(
                        Str(pattern=r"3\.\d+", pattern_hint='write the version as "3.11"'),
                        required=True,
                        doc='Python major.minor, e.g. "3.11"',
                    ),
                    "system_packages": Field(
                        ListOf(
                            Str(
                                pattern=r"[a-z0-9][a-z0-9.+-]*",
                                pattern_hint="use a Debian package name",
                            )
                        )
                    ),
                    "lockfile": Field(RelPath(), doc="path to the workload's pinned requirements"),
                    "user": Field(
                        Str(pattern=r"[a-z_][a-z0-9_-]*", pattern_hint="a Unix user name")
                    ),
                    "prebuilt": Field(
                        Str(pattern=PREBUILT_REPO, pattern_hint=PREBUILT_HINT),
                        doc="REGISTRY/REPO the team's CI publishes this environment to "
                        "(devkit image publish); devkit init pulls it instead of building",
                    ),
                }
            ),
            required=True,
        ),
        "env": Field(MapOf(Scalar(), key_pattern=ENV_NAME, key_hint="use letters, digits and _")),
        "env_passthrough": Field(
            ListOf(Str(pattern=ENV_NAME, pattern_hint="an environment variable name")),
            doc="host variables ${localEnv:NAME} may copy into the container (never secrets)",
        ),
        "secrets": Field(
            ListOf(Str(pattern=ENV_NAME, pattern_hint="an environment variable name"))
        ),
        "resources": Field(
            Obj(
                {
                    "cpus": Field(Number(minimum=0.1, maximum=1024)),
                    "memory": Field(Size(maximum=1 << 50)),
                }
            )
        ),
        "ports": Field(ListOf(Number(integer=True, minimum=1, maximum=65535))),
        "mounts": Field(ListOf(Str())),
        "editor": Field(
            Obj(
                {
                    "extensions": Field(
                        ListOf(
                            Str(
                                pattern=EXTENSION_ID,
                                pattern_hint="write an extension id as publisher.name",
                            )
                        ),
                        doc="editor extensions (VS Code ids) for customizations.vscode",
                    ),
                    "settings": Field(
                        MapOf(JsonValue()), doc="editor settings for customizations.vscode"
                    ),
                }
            ),
            doc="editor extensions and settings written into devcontainer.json",
        ),
        "post_create": Field(ListOf(Str()), doc="extra shell commands run by post-create"),
        "trust": Field(Obj({"ca_bundle": Field(Str())})),
        "branch": Field(
            Obj(
                {
                    "pattern": Field(Regex(safe=True)),
                    "base": Field(Str()),
                }
            )
        ),
        "data": Field(
            Obj(
                {
                    "source": Field(
                        Obj(
                            {
                                "bucket": Field(
                                    Str(
                                        pattern=r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
                                        pattern_hint="an S3 bucket name",
                                    ),
                                    required=True,
                                ),
                                "prefix": Field(Str()),
                                "region": Field(
                                    Str(
                                        pattern=r"[a-z]{2}(-[a-z]+)+-\d",
                                        pattern_hint="e.g. eu-west-1",
                                    )
                                ),
                                "role_arn": Field(
                                    Str(
                                        pattern=r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+",
                                        pattern_hint="arn:aws:iam::ACCOUNT:role/NAME",
                                    )
                                ),
                                "allow_environments": Field(
                                    ListOf(Str(choices=("dev", "staging")))
                                ),
                            }
                        )
                    ),
                    "dest": Field(
                        RelPath(), required=True, doc="local folder, relative to the workspace"
                    ),
                    "sample": Field(
                        Obj(
                            {
                                "prefixes": Field(ListOf(Str())),
                                "include": Field(ListOf(Str())),
                                "exclude": Field(ListOf(Str())),
                                "max_bytes": Field(Size(maximum=1 << 50)),
                                "max_objects": Field(
                                    Number(integer=True, minimum=1, maximum=MAX_OBJECTS)
                                ),
                                "fraction": Field(Number(minimum=0, maximum=1)),
                            }
                        )
                    ),
                    "synthetic": Field(
                        Obj(
                            {
                                "seed": Field(Number(integer=True, minimum=0, maximum=MAX_SEED)),
                                "tables": Field(
                                    MapOf(TABLE, key_pattern=r"[A-Za-z_][A-Za-z0-9_]*"),
                                    required=True,
                                ),
                            }
                        )
                    ),
                }
            )
        ),
        "parity": Field(
            Obj(
                {
                    "reference": Field(Str()),
                    "rules": Field(MapOf(RuleSpec())),
                    "scan": Field(
                        ListOf(Str()),
                        doc="globs of the workload's Python read for env names (default **/*.py)",
                    ),
                },
                validators=[_check_rule_names],
            )
        ),
    }
)

ENVIRONMENT = Obj(
    {
        "accounts": Field(ListOf(Str(pattern=r"\d{12}", pattern_hint="a 12-digit account id"))),
        "buckets": Field(ListOf(Str()), doc="bucket name patterns (fnmatch)"),
        "registries": Field(
            ListOf(Str()), doc="image repository patterns (fnmatch), e.g. registry.example.com/ml/*"
        ),
    }
)

ENVIRONMENTS = Obj(
    {
        "environments": Field(MapOf(ENVIRONMENT), required=True),
        "parity_buckets": Field(
            ListOf(Str()), doc="staging buckets dev may read parity references from"
        ),
        "parity_role_arn": Field(
            Str(pattern=r"arn:[\w-]+:iam::\d{12}:role/\S+", pattern_hint="an IAM role ARN"),
            doc="read-only role devkit assumes (list+get session policy) to read references",
        ),
    }
)
