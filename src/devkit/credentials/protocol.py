"""What travels over the broker's socket: one request line, one JSON answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from devkit.core.records import dataclass

REQUEST = b"credentials v1\n"
CONTAINER_DIR = "/run/devkit-aws"
SOCKET_NAME = "broker.sock"
CONFIG_NAME = "config"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:  # never show the secret parts, even in a traceback
        return f"Credentials(access_key_id=<redacted>, expiration={self.expiration.isoformat()})"

    def seconds_left(self, now: datetime | None = None) -> float:
        return (self.expiration - (now or datetime.now(UTC))).total_seconds()

    def to_process_json(self) -> str:
        """The JSON the AWS SDKs expect from a credential_process (Version 1)."""
        return json.dumps(
            {
                "Version": 1,
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token,
                "Expiration": self.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )


def error_json(message: str) -> str:
    return json.dumps({"Error": message})


def container_aws_config(region: str | None) -> str:
    """The AWS config file mounted into the container: credentials come from the broker."""
    lines = [
        "[default]",
        f"credential_process = devkit credentials get --socket {CONTAINER_DIR}/{SOCKET_NAME}",
    ]
    if region:
        lines.append(f"region = {region}")
    return "\n".join(lines) + "\n"
