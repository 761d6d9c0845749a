"""The credentials guard: read-only and dev-only, proven before the first byte is read.

1. The bucket must match a dev pattern (or one the purpose allows) and no prod pattern.
2. A profile's role is assumed with a session policy allowing only List on the prefix and Get
   below it, so the session can never be wider than that, however wide the role is.
3. The caller's account is classified through environments.yaml: dev goes on, prod is refused,
   staging only where the profile (or, for parity, the environments map) allows it.
4. Read-only is then either guaranteed or refused — it fails closed. The decision table:

   ====================================  ==============================================  =========
   credentials                           proof                                           verdict
   ====================================  ==============================================  =========
   any                                   write probe answers 412 or 2xx (could write)    refused 4
   any                                   write probe answers neither 403 nor that        not ready 3
   role (``data.source.role_arn``)       assumed with the list+get session policy:       read-only
   assumed here                          a session policy only narrows, so the session
                                         cannot write by construction; probe 403
   devkit's broker (in a container)      the host's guard assumed the profile's role     read-only
                                         with that session policy; the identity is a
                                         session of that very role; probe 403
   own credentials (keys, SSO, web       IAM policy simulator: PutObject, DeleteObject,  read-only
   identity, instance/container role),   DeleteObjectVersion and PutObject as a copy
   no role                               target all *denied* on ``BUCKET/*``, the
                                         prefix and the probed key, the bucket policy
                                         (readable, or none) included; probe 403
   own credentials, no role              the simulator *allows* any of them              refused 4
   own credentials, no role              simulator not available (no permission, an      refused 4
                                         assumed-role ARN it cannot map, an endpoint
                                         without it), or the bucket policy unreadable,
                                         or a bucket policy with a role session (the
                                         simulator takes one only for a user) — never
                                         proof
   ====================================  ==============================================  =========

   The write probe is a request that cannot change anything on a correct server: a conditional
   PutObject (``If-None-Match: *``) on a key that exists — 412 means the session could write.
   Its 403 is *not* proof (one key is not the bucket); it is defence in depth and can only
   turn a pass into a refusal, never a refusal into a pass.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import time
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from devkit.config.model import DataSource
from devkit.core.errors import ConfigError, NotReadyError, RefusedError
from devkit.core.records import dataclass, field
from devkit.data import aws, aws_fast, guard_cache
from devkit.data.aws import S3

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap
    from devkit.data.selection import RemoteObject

PURPOSES = ("sample", "parity")


@dataclass
class GuardedSession:
    """A verified read-only session and what was verified about it."""

    session: Any = field(repr=False)
    account: str
    environment: str
    principal: str
    role_arn: str | None
    bucket: str
    prefix: str
    checks: list[str] = field(default_factory=list)
    listing: list[RemoteObject] | None = field(default=None, repr=False)
    client: S3 | None = field(default=None, repr=False)
    # The guard cache's entry (file name and expiry) the next identical sync answers from
    # through the fast lane, and the line that run reports (``devkit.data.quick`` records them):
    # the entry this verdict came from, or the one the full guard just stored.
    cache_entry: str | None = None
    cache_expires: float | None = None
    cached_line: str | None = None

    def s3(self, max_pool: int = 16) -> S3:
        return S3(self.session, max_pool=max_pool)

    def summary(self, checks: list[str] | None = None) -> str:
        role = self.role_arn.rsplit("/", 1)[-1] if self.role_arn else "none (own credentials)"
        return (
            f"account {self.account} ({self.environment}), role {role}, "
            f"read-only: verified ({'; '.join(self.checks if checks is None else checks)})"
        )


def _cached_checks(checks: list[Any], expires: float) -> list[str]:
    """What a verdict answered from the cache reports: the checks that reached it, and until
    when it is reused."""
    until = time.strftime("%H:%M", time.localtime(expires))
    return [*map(str, checks), f"verdict cached until {until}"]


def session_name() -> str:
    """``devkit-<local user>``, trimmed to what STS accepts."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return ("devkit-" + re.sub(r"[^\w+=,.@-]", "-", user))[:64]


def partition_of(arn: str | None) -> str:
    return arn.split(":")[1] if arn and arn.count(":") >= 5 else "aws"


def read_only_policy(bucket: str, prefix: str, partition: str = "aws") -> str:
    """The session policy: list the prefix, get objects below it, nothing else."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ListSample",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:{partition}:s3:::{bucket}",
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        },
        {
            "Sid": "ReadSample",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:{partition}:s3:::{bucket}/{prefix}*",
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))


def allowed_environments(source: DataSource, envs: EnvironmentMap, purpose: str) -> set[str]:
    allowed = {"dev"}
    if "staging" in source.allow_environments:
        allowed.add("staging")
    if purpose == "parity" and any(fnmatchcase(source.bucket, p) for p in envs.parity_buckets):
        allowed.add("staging")
    return allowed


def check_bucket(source: DataSource, envs: EnvironmentMap, purpose: str) -> str:
    """The bucket's environment, or RefusedError when devkit may not read it."""
    env = envs.classify_bucket(source.bucket)
    if env == "prod":
        raise RefusedError(
            f"bucket '{source.bucket}' matches a prod pattern in {envs.source}",
            "devkit never reads prod data; point the profile at a dev sample bucket",
        )
    if env not in allowed_environments(source, envs, purpose):
        raise RefusedError(
            f"bucket '{source.bucket}' is {env}, not a dev bucket ({envs.source})",
            "use a bucket matching the dev patterns, or add it to the environments map",
        )
    return env


def check_account(
    account: str, what: str, source: DataSource, envs: EnvironmentMap, purpose: str
) -> str:
    env = envs.classify_account(account)
    if env == "prod":
        raise RefusedError(
            f"{what} is in account {account}, which {envs.source} maps to prod",
            "use dev credentials (AWS_PROFILE for the dev account); devkit never reads prod",
        )
    if env not in allowed_environments(source, envs, purpose):
        hint = (
            "add the account to environments.yaml"
            if env == "unknown"
            else "allow it with data.source.allow_environments in the profile"
        )
        raise RefusedError(f"{what} is in account {account}, which is {env}, not dev", hint)
    return env


NO_PROOF_HINT = (
    "set data.source.role_arn in the profile to a read-only role (devkit assumes it with a "
    "list+get session policy), or let these credentials use iam:SimulatePrincipalPolicy"
)


def probe_write(s3: S3, bucket: str, key: str, principal: str) -> str:
    """The conditional-PutObject probe: refuses a session that could write; its 403 is only
    evidence on one key, never proof of read-only."""
    status, code = s3.probe_write(bucket, key)
    if status == 412:
        raise RefusedError(
            f"these credentials can write to s3://{bucket} ({principal})",
            "use a read-only role (data.source.role_arn) or read-only credentials",
        )
    if status in (200, 201, 204):
        raise RefusedError(
            f"these credentials wrote to s3://{bucket}/{key} despite If-None-Match "
            f"({principal}); the server ignores conditional writes",
            "use read-only credentials; tell the bucket's owner the object may have changed",
        )
    if status != 403:
        raise NotReadyError(
            f"could not verify that the credentials are read-only (PutObject probe: {status} "
            f"{code})",
            "check the endpoint and credentials, then run the command again",
        )
    return "conditional PutObject denied"


def policy_source(principal: str) -> str | None:
    """The IAM entity whose policies bound ``principal``: a user as is, an assumed-role session
    as its role (a session is never wider than its role); None when there is no such entity
    (federated users, root, services). A role with a path maps to a wrong ARN, which the
    simulator answers with an error: no proof, so refused."""
    parts = principal.split(":", 5)
    if len(parts) != 6:
        return None
    _, partition, service, _, account, resource = parts
    if service == "iam" and resource.startswith("user/"):
        return principal
    if service == "sts" and resource.startswith("assumed-role/"):
        role = resource.split("/")[1]
        return f"arn:{partition}:iam::{account}:role/{role}"
    return None


def write_resources(bucket: str, prefix: str, key: str, partition: str) -> list[str]:
    """What the simulator is asked about: the whole bucket, the prefix and the probed key."""
    base = f"arn:{partition}:s3:::{bucket}/"
    return list(dict.fromkeys([base + "*", base + prefix + "*", base + key]))


def prove_read_only(
    s3: S3,
    bucket: str,
    key: str,
    principal: str,
    session: Any,
    role_arn: str | None,
    prefix: str = "",
    brokered: bool = False,
) -> list[str]:
    """Proof that the session cannot write (see the decision table above); RefusedError when
    it could or when nothing proves it cannot."""

    if brokered:
        parts = (role_arn or "").split(":")
        session_of = (
            f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{parts[5].rsplit('/', 1)[-1]}/"
            if len(parts) == 6 and parts[5].startswith("role/")
            else None
        )
        if session_of is None or not principal.startswith(session_of):
            raise RefusedError(
                f"the broker's session is {principal}, not a session of the profile's role "
                f"{role_arn or '(none)'}",
                "run 'devkit init' on the host again so the broker serves the profile's role",
            )
    checks = [probe_write(s3, bucket, key, principal)]
    if role_arn:
        if brokered:
            checks.append("session narrowed by devkit's broker to list+get on the prefix")
        else:
            checks.append("session policy: list+get on the prefix only")
        return checks
    source = policy_source(principal)
    resources = write_resources(bucket, prefix, key, partition_of(principal))
    # A bucket policy can grant writes on its own: it is simulated too, so it must be readable.
    readable, bucket_policy = s3.bucket_policy(bucket)
    allowed = (
        aws.simulate_writes(session, source, resources, bucket, bucket_policy)
        if source and readable
        else None
    )
    if allowed:
        raise RefusedError(
            f"IAM allows {', '.join(allowed)} for {principal} on s3://{bucket}",
            "use a read-only role (data.source.role_arn) or read-only credentials",
        )
    if allowed is None:
        raise RefusedError(
            f"cannot prove that {principal} is read-only on s3://{bucket}: no role is "
            "configured and IAM's policy simulator could not answer for them and the bucket's "
            "policy (a denied write probe on one key is no proof for the bucket)",
            NO_PROOF_HINT,
        )
    checks.append("policy simulator: every write denied on the bucket")
    return checks


def read_only_session(
    source: DataSource,
    envs: EnvironmentMap,
    purpose: str = "sample",
    probe_key: str | None = None,
    max_pool: int = 4,
    keep_listing: bool = False,
    brokered: bool = False,
) -> GuardedSession:
    """A session proven read-only and dev-only for ``source`` (bucket + prefix).

    ``probe_key`` is an existing key to run the write probe on (e.g. a parity reference);
    without one the first key under the prefix is listed and used — or, with
    ``keep_listing``, the whole prefix, kept in ``.listing`` so a sync lists only once.
    ``.client`` is the verified S3 adapter (``max_pool`` connections) for the reads.
    ``brokered``: the standard chain yields the session devkit's broker serves in a container
    (already the profile's role, narrowed on the host); the role is then not assumed again.
    Raises RefusedError (exit 4) for prod or write-capable credentials, NotReadyError (exit 3)
    when there are no usable credentials.
    """

    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose}")
    check_bucket(source, envs, purpose)
    if keep_listing and probe_key is None and not brokered:
        fast = _fast_lane(source, envs, purpose, max_pool)
        if fast is not None:
            return fast
    base = aws.session(source.region)
    name = None
    keys = aws.session_keys(base) if guard_cache.enabled() else None
    if keys is not None:
        context = _context(source, envs, purpose, base.region_name, probe_key, brokered)
        name = guard_cache.entry_name(keys, context)
        cached = guard_cache.load(name)
        if cached is not None:
            try:
                reused = _from_cache(
                    cached, base, source, envs, purpose, probe_key, max_pool, keep_listing
                )
            except (NotReadyError, KeyError, TypeError, ValueError, IndexError):
                guard_cache.forget(name)  # revoked, or not what was stored: the full guard
            else:
                _refresh_route(name, cached, reused)
                return reused
    guarded = _verify(source, envs, purpose, base, probe_key, max_pool, keep_listing, brokered)
    if name is not None:
        assumed = source.role_arn and not brokered
        creds = aws.session_keys(guarded.session) if assumed else None
        expires = guard_cache.expiry(
            getattr(guarded.session, "expiration", None) if assumed else None
        )
        stored = guard_cache.store(
            name,
            {
                "account": guarded.account,
                "environment": guarded.environment,
                "principal": guarded.principal,
                "role_arn": guarded.role_arn,
                "checks": guarded.checks,
                "credentials": list(creds) if creds else None,
                # How botocore reached the listing, for the fast lane (aws_fast): only valid
                # under the same connection settings (``transport``).
                "route": guarded.client.route() if guarded.client is not None else None,
                "transport": aws_fast.fingerprint(),
            },
            expires,
        )
        # The next identical sync answers from this very entry through the fast lane: its
        # record (devkit.data.quick) may be kept now, reporting what that run will.
        lane = keep_listing and probe_key is None and not brokered
        if stored and lane and _lane_entry_name(source, envs, purpose) == name:
            guarded.cache_entry, guarded.cache_expires = name, expires
            guarded.cached_line = guarded.summary(_cached_checks(guarded.checks, expires))
    return guarded


def _refresh_route(name: str, cached: dict[str, Any], reused: GuardedSession) -> None:
    """After botocore listed for a cached verdict, record its route for the fast lane when the
    entry has none, another, or one made under other connection settings."""
    route = reused.client.route() if reused.client is not None else None
    transport = aws_fast.fingerprint()
    if route is None or (cached.get("route") == route and cached.get("transport") == transport):
        return
    kept = {k: v for k, v in cached.items() if k not in ("format", "expires")}
    guard_cache.store(name, {**kept, "route": route, "transport": transport}, cached["expires"])


def _context(
    source: DataSource,
    envs: EnvironmentMap,
    purpose: str,
    region: str | None,
    probe_key: str | None,
    brokered: bool,
) -> dict[str, Any]:
    """Everything a cached verdict depends on besides the caller's credentials."""
    return {
        "role": source.role_arn or "",
        "bucket": source.bucket,
        "prefix": source.prefix,
        "purpose": purpose,
        "region": region or "",
        "probe_key": probe_key or "",
        "brokered": brokered,
        "environments": guard_cache.environments_digest(envs),
        "aws_profile": os.environ.get("AWS_PROFILE", ""),
        "endpoints": [os.environ.get(k, "") for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                                                      "AWS_ENDPOINT_URL_STS")],
    }  # fmt: skip


def _lane_entry_name(source: DataSource, envs: EnvironmentMap, purpose: str) -> str | None:
    """The guard cache's entry the fast lane looks for (a sync of the whole prefix, with keys
    from the environment and a known region), or None when it would not look."""
    keys = aws_fast.env_keys() if guard_cache.enabled() and aws_fast.enabled() else None
    region = source.region or os.environ.get("AWS_DEFAULT_REGION")
    if keys is None or not region:
        return None
    return guard_cache.entry_name(keys, _context(source, envs, purpose, region, None, False))


def _fast_lane(
    source: DataSource, envs: EnvironmentMap, purpose: str, max_pool: int
) -> GuardedSession | None:
    """The cached verdict and a listing made without botocore (``devkit.data.aws_fast``), or
    None when anything needed for it is missing: keys outside the environment, no region
    without the config file, no cached entry for this caller and context, no recorded route,
    other connection settings than when it was recorded, or any failure of the listing."""
    name = _lane_entry_name(source, envs, purpose)
    keys = aws_fast.env_keys()
    region = source.region or os.environ.get("AWS_DEFAULT_REGION")
    if name is None or keys is None or not region:
        return None
    cached = guard_cache.load(name)
    lane = aws_fast.lane(cached, keys) if cached is not None else None
    if cached is None or lane is None:
        return None  # botocore's path (which forgets an entry that is not what devkit stores)
    route, keys = lane
    try:
        guarded = _from_cache(
            cached,
            aws.session(region),
            source,
            envs,
            purpose,
            None,
            max_pool,
            True,
            aws_fast.Lister(route, keys),
        )
    except (aws_fast.FastPathError, KeyError, TypeError, ValueError, IndexError):
        return None  # botocore's path answers (and reports any real error)
    guarded.cache_entry, guarded.cache_expires = name, float(cached["expires"])
    guarded.cached_line = guarded.summary()
    return guarded


def _from_cache(
    cached: dict[str, Any],
    base: Any,
    source: DataSource,
    envs: EnvironmentMap,
    purpose: str,
    probe_key: str | None,
    max_pool: int,
    keep_listing: bool,
    lister: aws_fast.Lister | None = None,
) -> GuardedSession:
    """The session and verdict the guard reached earlier for this very identity and context
    (``lister``: the listing goes through the fast lane)."""

    env = check_account(str(cached["account"]), "the session", source, envs, purpose)
    creds = cached.get("credentials")
    sess = (
        aws.session(
            source.region or base.region_name,
            aws_access_key_id=str(creds[0]),
            aws_secret_access_key=str(creds[1]),
            aws_session_token=str(creds[2]) if creds[2] else None,
        )
        if creds
        else base
    )
    guarded = GuardedSession(
        sess,
        str(cached["account"]),
        env,
        str(cached["principal"]),
        source.role_arn,
        source.bucket,
        source.prefix,
        checks=_cached_checks(cached["checks"], float(cached["expires"])),
    )
    s3 = guarded.client = guarded.s3(max_pool=max_pool)
    if probe_key is None and keep_listing:
        if lister is not None:
            listed = lister.list(source.prefix)
            s3.note("ListObjectsV2", lister.requests)
            s3.adopt_route(lister.route.to_json())
        else:
            listed = s3.list(source.bucket, source.prefix)
        if not listed:
            raise ConfigError(
                f"nothing under s3://{source.bucket}/{source.prefix}",
                "check data.source.bucket and data.source.prefix in the profile",
            )
        guarded.listing = listed
    return guarded


def _verify(
    source: DataSource,
    envs: EnvironmentMap,
    purpose: str,
    base: Any,
    probe_key: str | None,
    max_pool: int,
    keep_listing: bool,
    brokered: bool,
) -> GuardedSession:
    """The full guard (the decision table above), every time nothing is cached."""

    role_arn = source.role_arn
    if role_arn and not brokered:
        role_account = role_arn.split(":")[4]
        check_account(role_account, f"role {role_arn}", source, envs, purpose)
        # A prod identity must not even assume a role (an identity account may be unlisted).
        base_account = aws.caller_identity(base)["account"]
        if envs.classify_account(base_account) == "prod":
            check_account(base_account, "your AWS identity", source, envs, purpose)
        policy = read_only_policy(source.bucket, source.prefix, partition_of(role_arn))
        sess = aws.assume_role(base, role_arn, session_name(), policy)
    else:
        sess = base
    ident = aws.caller_identity(sess)
    env = check_account(ident["account"], "the session", source, envs, purpose)
    guarded = GuardedSession(
        sess, ident["account"], env, ident["arn"], role_arn, source.bucket, source.prefix
    )
    s3 = guarded.client = guarded.s3(max_pool=max_pool)
    key = probe_key
    if key is None:
        # Listing reads metadata only, no object: the probe needs an existing key, and a sync
        # needs the whole listing, so with keep_listing it is made once and handed over.
        listed = s3.list(source.bucket, source.prefix, limit=None if keep_listing else 1)
        if not listed:
            raise ConfigError(
                f"nothing under s3://{source.bucket}/{source.prefix}",
                "check data.source.bucket and data.source.prefix in the profile",
            )
        guarded.listing = listed if keep_listing else None
        key = listed[0].key
    guarded.checks = prove_read_only(
        s3, source.bucket, key, ident["arn"], sess, role_arn, source.prefix, brokered
    )
    return guarded


def read_object(
    bucket: str,
    key: str,
    envs: EnvironmentMap,
    region: str | None = None,
    role_arn: str | None = None,
) -> bytes:
    """One object (e.g. a parity reference) read through the full guard: bucket and account
    classified for the ``parity`` purpose (staging parity buckets allowed by the environments
    map), write access disproved on that very key, then a single GET."""

    source = DataSource(bucket=bucket, prefix=key, region=region, role_arn=role_arn)
    guarded = read_only_session(source, envs, "parity", probe_key=key, max_pool=1)
    assert guarded.client is not None
    return guarded.client.read(bucket, key)
