"""The boto3 adapter's entry: sessions from the standard chain, caller identity, error mapping."""

from __future__ import annotations

import re
from typing import Any

from devkit.errors import NotReadyError

_SECRETISH = re.compile(r"(?i)(secret|token|signature|credential)[^\s,;]*[=:]\s*[^\s,;]+")


def redact(text: str) -> str:
    """Remove anything that looks like a key or token from an error message."""
    text = _SECRETISH.sub(lambda m: m.group(1) + "=<redacted>", text)
    return re.sub(r"\b(AKIA|ASIA)[A-Z0-9]{12,}\b", "<access-key-id>", text)


def session(region: str | None = None, profile: str | None = None) -> Any:
    """A boto3 session from the standard chain (env, AWS_PROFILE, config files, SSO, IMDS)."""
    import boto3

    return boto3.session.Session(region_name=region, profile_name=profile)


def caller_identity(sess: Any) -> dict[str, str]:
    """STS GetCallerIdentity (reads no data); NotReadyError when there are no credentials."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        ident = sess.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise NotReadyError(
            "no AWS credentials found",
            "run 'aws sso login' or set AWS_PROFILE; without them use synthetic data",
        ) from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise NotReadyError(
            f"AWS rejected the credentials ({code}): {redact(str(exc))}",
            "refresh them ('aws sso login') or pick another AWS_PROFILE",
        ) from None
    except BotoCoreError as exc:
        raise NotReadyError(
            f"cannot reach AWS STS: {redact(str(exc))}",
            "check the network, proxy and AWS_ENDPOINT_URL",
        ) from None
    return {"account": ident["Account"], "arn": ident["Arn"], "user_id": ident["UserId"]}
