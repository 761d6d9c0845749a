"""The AWS adapter (the only module importing botocore): sessions from the standard chain,
caller identity, role assumption, the S3 calls devkit makes, and error mapping."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Any

from devkit.core.errors import ConfigError, DevkitError, NotReadyError
from devkit.data import aws_fast
from devkit.data.selection import RemoteObject

_PROXY_NAMES = ("http_proxy", "https_proxy", "all_proxy")


def _proxy_configured(env: Mapping[str, str]) -> bool:
    """Whether the environment names a proxy for any scheme (either case, as curl and botocore
    read them)."""
    return any(value.strip() for key, value in env.items() if key.lower() in _PROXY_NAMES)


_SECRETISH = re.compile(r"(?i)(secret|token|signature|credential)[^\s,;]*[=:]\s*[^\s,;]+")


def redact(text: str) -> str:
    """Remove anything that looks like a key or token from an error message."""
    text = _SECRETISH.sub(lambda m: m.group(1) + "=<redacted>", text)
    return re.sub(r"\b(AKIA|ASIA)[A-Z0-9]{12,}\b", "<access-key-id>", text)


class Session:
    """boto3's session surface (``client()``, ``region_name``, ``get_credentials()``) on plain
    botocore, which imports in about half of boto3's time. Clients of every Session made under
    the same AWS environment share one botocore session, so service models load once."""

    def __init__(
        self,
        region: str | None = None,
        profile: str | None = None,
        credentials: tuple[str, str, str | None] | None = None,
    ) -> None:
        self._profile = profile
        self._core_: Any = None  # botocore's session, made on first use (an import of botocore)
        self._credentials = credentials
        self.expiration: float | None = None  # epoch seconds, for assumed-role sessions
        self.sts: Any = None  # its STS client, once made
        # Who this session is, when STS already said so (AssumeRole's AssumedRoleUser): a
        # GetCallerIdentity would answer the same, at the cost of a client and a round trip.
        self.identity: dict[str, str] | None = None
        self.region_name: str | None = region or self._core.get_config_variable("region")

    @property
    def _core(self) -> Any:
        if self._core_ is None:
            self._core_ = _core_session(self._profile)
        return self._core_

    def client(self, service: str, config: Any = None) -> Any:
        keys: dict[str, Any] = {}
        if self._credentials:
            key_id, secret, token = self._credentials
            keys = {
                "aws_access_key_id": key_id,
                "aws_secret_access_key": secret,
                "aws_session_token": token,
            }
        return self._core.create_client(
            service, region_name=self.region_name, config=config, **keys
        )

    def config_variable(self, name: str) -> Any:
        """A setting from botocore's configuration chain (environment, config file)."""
        return self._core.get_config_variable(name)

    def get_credentials(self) -> Any:
        if self._credentials:
            return self._credentials
        return self._core.get_credentials()


_CORE: dict[tuple[str | None, tuple[tuple[str, str], ...]], Any] = {}
_CORE_LOCK = threading.Lock()


def _core_session(profile: str | None) -> Any:
    import os

    import botocore.session

    key = (profile, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_"))))
    with _CORE_LOCK:
        if key not in _CORE:
            _CORE[key] = botocore.session.Session(profile=profile)
        return _CORE[key]


def session(
    region: str | None = None,
    profile: str | None = None,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
) -> Session:
    """A session from the standard chain (env, AWS_PROFILE, config files, SSO, container and
    instance endpoints), or the given keys. Endpoints come from AWS_ENDPOINT_URL /
    AWS_ENDPOINT_URL_S3, which botocore honours itself."""
    keys = (
        (aws_access_key_id, aws_secret_access_key, aws_session_token)
        if aws_access_key_id and aws_secret_access_key
        else None
    )
    return Session(region, profile, keys)


class MissingCredentialsError(NotReadyError):
    """No credentials anywhere in the standard chain (callers may fall back to synthetic data)."""


def has_credentials(sess: Any) -> bool:
    """Whether the standard chain yields any credentials (no network call for static ones)."""
    if aws_fast.env_keys() is not None:
        return True  # the chain's first source, read without importing botocore
    from botocore.exceptions import BotoCoreError

    try:
        return sess.get_credentials() is not None
    except BotoCoreError:
        return False


_SOURCES = {
    "env": "environment keys",
    "assume-role-with-web-identity": "web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)",
    "container-role": "a container role",
    "iam-role": "an instance role",
    "custom-process": "a credential_process",
    "sso": "AWS SSO",
    "shared-credentials-file": "the shared credentials file",
    "config-file": "the AWS config file",
    "assume-role": "a role from the AWS config",
}


def credential_source(sess: Any) -> str | None:
    """Where the standard chain finds credentials, for a person ("environment keys", "web
    identity …", "an instance role"); None when it finds none. Never the keys themselves."""
    from botocore.exceptions import BotoCoreError

    try:
        found = sess.get_credentials()
    except BotoCoreError:
        return None
    if found is None:
        return None
    method = str(getattr(found, "method", "") or "credentials")
    return _SOURCES.get(method, method)


def _sts(sess: Any) -> Any:
    """One STS client per devkit Session (the guard asks STS twice with the caller's session:
    a client costs tens of milliseconds to build)."""
    if not isinstance(sess, Session):
        return sess.client("sts")
    if sess.sts is None:
        sess.sts = sess.client("sts")
    return sess.sts


def caller_identity(sess: Any) -> dict[str, str]:
    """STS GetCallerIdentity (reads no data); NotReadyError when there are no credentials."""
    if isinstance(sess, Session) and sess.identity is not None:
        return dict(sess.identity)
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        ident = _sts(sess).get_caller_identity()
    except NoCredentialsError:
        raise MissingCredentialsError(
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


def _client_error_code(exc: Exception) -> tuple[str, int]:
    response = getattr(exc, "response", {}) or {}
    code = str(response.get("Error", {}).get("Code", "error"))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def assume_role(sess: Any, role_arn: str, session_name: str, policy: str) -> Any:
    """A session for ``role_arn`` narrowed by the session ``policy`` (JSON)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        answer = _sts(sess).assume_role(
            RoleArn=role_arn, RoleSessionName=session_name, Policy=policy, DurationSeconds=3600
        )
        creds = answer["Credentials"]
    except NoCredentialsError:
        raise NotReadyError(
            "no AWS credentials found",
            "run 'aws sso login' or set AWS_PROFILE; without them use synthetic data",
        ) from None
    except ClientError as exc:
        code, _ = _client_error_code(exc)
        raise NotReadyError(
            f"cannot assume role {role_arn} ({code}): {redact(str(exc))}",
            "ask for access to the role, or check data.source.role_arn in the profile",
        ) from None
    except BotoCoreError as exc:
        raise NotReadyError(
            f"cannot reach AWS STS: {redact(str(exc))}",
            "check the network, proxy and AWS_ENDPOINT_URL",
        ) from None
    assumed = session(
        sess.region_name,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    expiration = creds.get("Expiration")
    assumed.expiration = expiration.timestamp() if hasattr(expiration, "timestamp") else None
    user = answer.get("AssumedRoleUser") or {}
    arn = str(user.get("Arn") or "")
    if arn.startswith("arn:") and arn.count(":") >= 5 and arn.split(":")[4]:
        assumed.identity = {
            "account": arn.split(":")[4],
            "arn": arn,
            "user_id": str(user.get("AssumedRoleId") or ""),
        }
    return assumed


def session_keys(sess: Any) -> tuple[str, str, str | None] | None:
    """The session's credentials as (key id, secret, token); None when the chain has none.
    For the guard's cache only: it stores an assumed role's keys like the AWS CLI's cache
    (a private 0600 file) and only a hash of anything else."""
    if isinstance(sess, Session) and sess._credentials:
        return sess._credentials  # given keys (an assumed role's): botocore is not imported
    from botocore.exceptions import BotoCoreError

    try:
        found = sess.get_credentials()
    except BotoCoreError:
        return None
    if found is None:
        return None
    if isinstance(found, tuple):
        return found
    frozen = found.get_frozen_credentials()
    if not frozen.access_key or not frozen.secret_key:
        return None
    return str(frozen.access_key), str(frozen.secret_key), frozen.token


def ecr_auth_config(registry: str, region: str, account: str) -> dict[str, str]:
    """A Docker ``auth_config`` for an ECR registry from ECR's GetAuthorizationToken, with the
    credentials of the standard chain (a 12-hour token; it goes to the engine, never a log)."""
    import base64

    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        found = session(region).client("ecr").get_authorization_token(registryIds=[account])
        data = found["authorizationData"][0]
    except NoCredentialsError:
        raise MissingCredentialsError(
            f"no AWS credentials to get a token for {registry}",
            f"run 'aws sso login' (or set AWS_PROFILE), or 'docker login {registry}'",
        ) from None
    except ClientError as exc:
        code, _ = _client_error_code(exc)
        raise NotReadyError(
            f"ECR refused an authorization token for {registry} ({code})",
            "ask for ecr:GetAuthorizationToken (and push rights on the repository), or "
            f"'docker login {registry}'",
        ) from None
    except (BotoCoreError, KeyError, IndexError) as exc:
        raise NotReadyError(
            f"cannot get an ECR authorization token for {registry}: {redact(str(exc))}",
            "check the network, proxy and AWS_ENDPOINT_URL",
        ) from None
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    return {"username": user, "password": password, "serveraddress": f"https://{registry}"}


WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion")


def simulate_writes(
    sess: Any,
    policy_source_arn: str,
    resources: list[str],
    bucket: str,
    bucket_policy: str | None = None,
) -> list[str] | None:
    """Write actions IAM's policy simulator allows ``policy_source_arn`` on ``resources``,
    asked twice: plain, and as the target of a copy from the bucket (``s3:x-amz-copy-source``,
    which a policy's condition may single out). ``bucket_policy`` (JSON) is evaluated with the
    identity's policies, as S3 would (it can grant writes on its own); the simulator takes one
    only for an IAM user (``CallerArn``), so for a role it means None. [] only when every answer
    is a denial; None when the simulator cannot be asked or answers anything else (no
    permission, an endpoint without it, an unknown entity, a truncated answer) — never proof."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    extra: dict[str, Any] = {}
    if bucket_policy is not None:
        if ":user/" not in policy_source_arn:
            return None
        extra = {"ResourcePolicy": bucket_policy, "CallerArn": policy_source_arn}

    copy_source = {
        "ContextKeyName": "s3:x-amz-copy-source",
        "ContextKeyValues": [f"{bucket}/*"],
        "ContextKeyType": "string",
    }
    allowed: set[str] = set()
    try:
        iam = sess.client("iam", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        for label, context in (("", []), (" (copy)", [copy_source])):
            result = iam.simulate_principal_policy(
                PolicySourceArn=policy_source_arn,
                ActionNames=list(WRITE_ACTIONS),
                ResourceArns=resources,
                ContextEntries=context,
                MaxItems=1000,
                **extra,
            )
            answers = result.get("EvaluationResults") or []
            if result.get("IsTruncated") or len(answers) < len(WRITE_ACTIONS):
                return None
            for answer in answers:
                specific = answer.get("ResourceSpecificResults") or []
                decisions = [answer.get("EvalDecision")]
                decisions += [r.get("EvalResourceDecision") for r in specific]
                if "allowed" in decisions:
                    allowed.add(str(answer.get("EvalActionName")) + label)
                elif not set(decisions) <= {"implicitDeny", "explicitDeny"}:
                    return None
    except (ClientError, BotoCoreError):
        return None
    return sorted(allowed)


# Every S3 request this process sent, per operation (all clients); tests and benches read it.
REQUESTS: dict[str, int] = {}
_REQUESTS_LOCK = threading.Lock()


def _sdk_validation(body: Any) -> str | None:
    """The checksum botocore verifies while the body streams (it raises at the end on a
    mismatch), or None. botocore wraps the body only when the response carries a whole-object
    checksum header to verify against; composite multipart checksums are never verified."""
    from botocore.httpchecksum import StreamingChecksumBody

    if not isinstance(body, StreamingChecksumBody):
        return None
    # Sha256Checksum, Crc32Checksum, CrtCrc32cChecksum, CrtCrc64NvmeChecksum, ...
    name = type(body.checksum).__name__.removeprefix("Crt").removesuffix("Checksum").lower()
    return name or None


def _checksum_mode(request: Any = None, **kwargs: Any) -> None:
    """Ask S3 for the object's checksum headers without botocore's own validation pass."""
    if request is not None and "x-amz-checksum-mode" not in request.headers:
        request.headers["x-amz-checksum-mode"] = "ENABLED"


class S3:
    """The S3 calls devkit makes, counted per operation (``counts``), errors as DevkitErrors.
    The botocore client is built on the first call that needs it: a no-op sync that listed
    through the fast lane (``devkit.data.aws_fast``) never builds one."""

    def __init__(self, sess: Any, max_pool: int = 16) -> None:
        self.counts: dict[str, int] = {}
        self._session, self._max_pool = sess, max_pool
        self._client_: Any = None
        self._client_lock = threading.Lock()
        self._list_request: tuple[str, str] | None = None  # (URL, signing region), once listed
        self._adopted: dict[str, Any] | None = None  # a route recorded by an earlier run
        self._getter: Any = None  # aws_fast.Getter, False when the fast lane cannot be used

    @property
    def _client(self) -> Any:
        with self._client_lock:
            if self._client_ is None:
                self._client_ = self._make_client()
            return self._client_

    def _make_client(self) -> Any:
        from botocore.config import Config

        client = self._session.client(
            "s3",
            config=Config(
                max_pool_connections=self._max_pool,
                retries={"max_attempts": 4, "mode": "standard"},
                tcp_keepalive=True,
                # devkit verifies object checksums itself, in the one pass it makes over the
                # bytes (data/checksums.py): botocore would hash every body a second time.
                # read() still asks botocore to validate (small objects, ChecksumMode given).
                response_checksum_validation="when_required",
            ),
        )
        client.meta.events.register("before-send.s3", self._count)
        client.meta.events.register("before-send.s3.ListObjectsV2", self._note_listing)
        client.meta.events.register("before-sign.s3.GetObject", _checksum_mode)
        return client

    def adopt_route(self, route: dict[str, Any]) -> None:
        """A route the guard's cache recorded under these very connection settings: GETs may
        take the fast lane without a botocore listing first."""
        self._adopted = route

    def _fast_getter(self) -> Any:
        """The fast lane for GetObject (``aws_fast.Getter``) once botocore's route is known,
        without a proxy; None otherwise (``DEVKIT_S3_FAST_LANE=0``: never)."""
        if self._getter is None:
            if not aws_fast.enabled():
                self._getter = False
            elif self._adopted is None and self._list_request is None:
                return None  # nothing listed yet: botocore's route is not known
            else:
                with self._client_lock:
                    route = aws_fast.Route.from_json(self._adopted or self.route())
                keys = session_keys(self._session)
                self._getter = aws_fast.Getter(route, keys) if route and keys else False
        return self._getter or None

    def note(self, operation: str, count: int) -> None:
        """Count requests sent outside botocore (the fast lane's listing)."""
        with _REQUESTS_LOCK:
            self.counts[operation] = self.counts.get(operation, 0) + count
            REQUESTS[operation] = REQUESTS.get(operation, 0) + count

    def _note_listing(self, request: Any = None, **kwargs: Any) -> None:
        if request is None or self._list_request is not None:
            return
        auth = str(request.headers.get("Authorization", ""))
        found = re.search(r"Credential=[^/,]+/\d{8}/([^/,]+)/s3/aws4_request", auth)
        if found:
            self._list_request = (str(request.url), found.group(1))

    def route(self) -> dict[str, Any] | None:
        """How this client reached the bucket's listing, for the fast lane
        (``aws_fast.Route``): None before a listing, or when a proxy applied."""
        if self._list_request is None or self._client_ is None:
            return self._adopted
        from botocore.httpsession import get_cert_path
        from botocore.utils import get_environ_proxies

        url, region = self._list_request
        base = url.split("?", 1)[0]
        # botocore picks its proxy once, from the endpoint, and ignores no_proxy per request: a
        # bucket host no_proxy names may still go through the proxy. Any proxy in the environment
        # keeps the fast lane off rather than guessing which connections botocore proxies.
        if get_environ_proxies(base) or _proxy_configured(os.environ):
            return None
        bundle = None
        if base.startswith("https:"):
            configured = self._session_config("ca_bundle") or os.environ.get("REQUESTS_CA_BUNDLE")
            bundle = str(configured or get_cert_path(True))
        return {"base": base, "region": region, "ca_bundle": bundle}

    def _session_config(self, name: str) -> Any:
        lookup = getattr(self._session, "config_variable", None)
        return lookup(name) if lookup is not None else None

    def _count(self, request: Any = None, **kwargs: Any) -> None:
        name = str(kwargs.get("event_name", "before-send.s3.?")).rsplit(".", 1)[-1]
        with _REQUESTS_LOCK:
            self.counts[name] = self.counts.get(name, 0) + 1
            REQUESTS[name] = REQUESTS.get(name, 0) + 1

    def _fail(self, exc: Exception, bucket: str, what: str) -> DevkitError:
        from botocore.exceptions import NoCredentialsError

        if isinstance(exc, NoCredentialsError):
            return NotReadyError(
                "no AWS credentials found", "run 'aws sso login' or set AWS_PROFILE"
            )
        code, status = _client_error_code(exc)
        if code == "NoSuchBucket":
            return ConfigError(
                f"bucket '{bucket}' does not exist", "check data.source.bucket in the profile"
            )
        if code in ("ExpiredToken", "InvalidAccessKeyId", "InvalidToken", "SignatureDoesNotMatch"):
            return NotReadyError(
                f"AWS rejected the credentials ({code}) while trying to {what}",
                "refresh them ('aws sso login') and run the command again",
            )
        if code in ("AccessDenied", "403") or status == 403:
            return NotReadyError(
                f"access denied: cannot {what} in s3://{bucket}",
                "ask for read access to the sample, or check the profile's bucket and prefix",
            )
        return NotReadyError(
            f"S3 failed to {what} in s3://{bucket}: {redact(str(exc))}",
            "check the network and AWS_ENDPOINT_URL, then run the command again",
        )

    def list(self, bucket: str, prefix: str, limit: int | None = None) -> list[RemoteObject]:
        """Every object under ``prefix`` (ListObjectsV2, paginated); at most ``limit``."""
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[RemoteObject] = []
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if limit:
            kwargs["MaxKeys"] = limit
        try:
            while True:
                page = self._client.list_objects_v2(**kwargs)
                for item in page.get("Contents", []):
                    found.append(
                        RemoteObject(
                            key=item["Key"],
                            size=int(item["Size"]),
                            etag=str(item.get("ETag", "")),
                            last_modified=item["LastModified"].isoformat()
                            if "LastModified" in item
                            else "",
                            checksum_algorithm=",".join(item.get("ChecksumAlgorithm", [])),
                        )
                    )
                if (limit and len(found) >= limit) or not page.get("IsTruncated"):
                    return found[:limit] if limit else found
                kwargs["ContinuationToken"] = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, bucket, f"list '{prefix}'") from None

    def probe_write(self, bucket: str, key: str) -> tuple[int, str]:
        """A PutObject that cannot change anything on a correct server: ``If-None-Match: *`` on a
        key that exists. Returns (HTTP status, error code): 403 means the session cannot write,
        412 that it could (the precondition was evaluated after authorisation)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.put_object(Bucket=bucket, Key=key, Body=b"", IfNoneMatch="*")
        except ClientError as exc:
            code, status = _client_error_code(exc)
            return status, code
        except BotoCoreError as exc:
            raise self._fail(exc, bucket, "check write access") from None
        return int(response["ResponseMetadata"]["HTTPStatusCode"]), "OK"

    def bucket_policy(self, bucket: str) -> tuple[bool, str | None]:
        """(readable, the bucket policy's JSON or None when the bucket has none)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return True, str(self._client.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError as exc:
            code, _ = _client_error_code(exc)
            return (True, None) if code == "NoSuchBucketPolicy" else (False, None)
        except BotoCoreError:
            return False, None

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        """One PutObject (staging CI publishing a parity snapshot; never used on dev data)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, bucket, f"write '{key}'") from None

    def get(
        self,
        bucket: str,
        key: str,
        first: int | None = None,
        last: int | None = None,
        etag: str | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """One GetObject, its checksum headers requested (``x-amz-checksum-mode``) but left to
        the caller to verify: (streaming body, response metadata). ``first``/``last``: a byte
        range (inclusive); ``etag``: If-Match, so parts of one download are of one version."""
        fast = self._fast_getter()
        if fast is not None:
            try:
                body, meta = fast.get(key, first, last, etag)
            except aws_fast.FastPathError:
                pass  # botocore asks again, with its retries, and reports what went wrong
            else:
                self.note("GetObject", 1)
                return body, meta
        from botocore.exceptions import BotoCoreError, ClientError

        extra: dict[str, Any] = {}
        if first is not None:
            extra["Range"] = f"bytes={first}-{'' if last is None else last}"
        if etag:
            extra["IfMatch"] = etag
        try:
            response = self._client.get_object(Bucket=bucket, Key=key, **extra)
        except (ClientError, BotoCoreError) as exc:
            code, _ = _client_error_code(exc)
            if code in ("PreconditionFailed", "412"):
                raise NotReadyError(
                    f"s3://{bucket}/{key} changed while it was being downloaded",
                    "run the command again to fetch the new version",
                ) from None
            raise self._fail(exc, bucket, f"read '{key}'") from None
        body = response.pop("Body")
        response["SdkValidated"] = _sdk_validation(body)
        return body, response

    def head(self, bucket: str, key: str) -> dict[str, Any]:
        """HeadObject with the whole object's checksum (``ChecksumMode``): its metadata."""
        fast = self._fast_getter()
        if fast is not None:
            try:
                meta: dict[str, Any] = fast.head(key)
            except aws_fast.FastPathError:
                pass  # botocore asks again, with its retries, and reports what went wrong
            else:
                self.note("HeadObject", 1)
                return meta
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, bucket, f"read '{key}'") from None
        return dict(response)

    def read(self, bucket: str, key: str) -> bytes:
        """A whole (small) object in memory; ConfigError when it does not exist."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            return bytes(response["Body"].read())
        except ClientError as exc:
            code, _ = _client_error_code(exc)
            if code in ("NoSuchKey", "404"):
                raise ConfigError(
                    f"s3://{bucket}/{key} does not exist", "check the address"
                ) from None
            raise self._fail(exc, bucket, f"read '{key}'") from None
        except BotoCoreError as exc:
            raise self._fail(exc, bucket, f"read '{key}'") from None

    def read_errors(self) -> tuple[type[BaseException], ...]:
        """Exceptions a streaming body may raise mid-read (connection dropped, timeout). The
        fast lane's bodies raise ConnectionError (``wire.ProtocolError`` too) or TimeoutError;
        botocore's also its own, urllib3's and http.client's, once a client exists."""
        if self._client_ is None:
            return (ConnectionError, TimeoutError)
        from http.client import HTTPException

        from botocore.exceptions import BotoCoreError
        from urllib3.exceptions import HTTPError

        return (BotoCoreError, HTTPError, HTTPException, ConnectionError, TimeoutError)
