from __future__ import annotations

import json

import pytest

from devkit.config.environments import load_environments
from devkit.config.model import DataSource
from devkit.core.errors import RefusedError
from devkit.data.aws import redact
from devkit.data.guard import check_account, check_bucket, read_only_policy, session_name

ENVS = load_environments(None)


def test_prod_bucket_and_account_are_refused() -> None:
    with pytest.raises(RefusedError):
        check_bucket(DataSource("acme-ml-prod-lake"), ENVS, "sample")
    with pytest.raises(RefusedError):
        check_bucket(DataSource("acme-ml-dev-prod"), ENVS, "sample")
    source = DataSource("acme-ml-dev-samples")
    with pytest.raises(RefusedError):
        check_account("333333333333", "the session", source, ENVS, "sample")
    assert check_account("111111111111", "the session", source, ENVS, "sample") == "dev"


def test_staging_only_where_allowed() -> None:
    plain = DataSource("acme-ml-staging-data")
    with pytest.raises(RefusedError):
        check_bucket(plain, ENVS, "sample")
    with pytest.raises(RefusedError):
        check_account("222222222222", "the session", plain, ENVS, "sample")
    allowed = DataSource("acme-ml-staging-data", allow_environments=("dev", "staging"))
    assert check_bucket(allowed, ENVS, "sample") == "staging"
    parity = DataSource("acme-ml-staging-parity")
    assert check_bucket(parity, ENVS, "parity") == "staging"
    with pytest.raises(RefusedError):
        check_bucket(parity, ENVS, "sample")
    with pytest.raises(RefusedError):
        check_account("999999999999", "the session", allowed, ENVS, "sample")


def test_session_policy_allows_only_list_and_get_on_the_prefix() -> None:
    policy = json.loads(read_only_policy("b", "train/v3/"))
    actions = sorted(s["Action"] for s in policy["Statement"])
    assert actions == ["s3:GetObject", "s3:ListBucket"]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    get = next(s for s in policy["Statement"] if s["Action"] == "s3:GetObject")
    assert get["Resource"] == "arn:aws:s3:::b/train/v3/*"
    listing = next(s for s in policy["Statement"] if s["Action"] == "s3:ListBucket")
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["train/v3/*"]


def test_session_name_is_valid_for_sts() -> None:
    name = session_name()
    assert name.startswith("devkit-") and len(name) <= 64


def test_redact_hides_keys_and_tokens() -> None:
    text = redact(
        "bad AKIAABCDEFGHIJKLMNOP with X-Amz-Security-Token=abc/def+ghi and secret: s3cr3t"
    )
    assert "AKIAABCDEFGHIJKLMNOP" not in text and "abc/def" not in text and "s3cr3t" not in text


# --- The decision table (module docstring of devkit.data.guard): credentials kind x proof. ---

USER = "arn:aws:iam::111111111111:user/alice"
SESSION = "arn:aws:sts::111111111111:assumed-role/devkit-training-readonly/devkit-alice"
ROLE = "arn:aws:iam::111111111111:role/devkit-training-readonly"


class Probe:
    """The S3 adapter's write probe, answering a fixed status, and the bucket policy."""

    def __init__(self, status: int, policy: tuple[bool, str | None] = (True, None)) -> None:
        self.status = status
        self.policy = policy

    def probe_write(self, bucket: str, key: str) -> tuple[int, str]:
        return self.status, {403: "AccessDenied", 412: "PreconditionFailed"}.get(self.status, "?")

    def bucket_policy(self, bucket: str) -> tuple[bool, str | None]:
        return self.policy


ALL_DENIED: list[str] = []


@pytest.mark.parametrize(
    ("kind", "principal", "role", "brokered", "probe", "simulator", "verdict"),
    [
        # role assumed here with the list+get session policy: read-only by construction
        ("role", SESSION, ROLE, False, 403, None, "pass"),
        ("role", SESSION, ROLE, False, 412, None, "refused"),  # defence in depth
        ("role", SESSION, ROLE, False, 200, None, "refused"),
        ("role", SESSION, ROLE, False, 500, None, "not ready"),
        # devkit's broker (container): a session of the profile's role, narrowed on the host
        ("broker", SESSION, ROLE, True, 403, None, "pass"),
        ("broker", USER, ROLE, True, 403, None, "refused"),  # not a session of that role
        ("broker", SESSION, ROLE, True, 412, None, "refused"),
        # own credentials, no role: only the simulator's "denied" on the bucket is proof
        ("own user", USER, None, False, 403, ALL_DENIED, "pass"),
        ("own user", USER, None, False, 403, None, "refused"),  # simulator n/a: never proof
        ("own user", USER, None, False, 403, ["s3:PutObject"], "refused"),
        ("own user", USER, None, False, 412, ALL_DENIED, "refused"),  # probe can only refuse
        ("own session", SESSION, None, False, 403, ALL_DENIED, "pass"),
        ("own session", SESSION, None, False, 403, None, "refused"),
        ("federated", "arn:aws:sts::111111111111:federated-user/bob", None, False, 403,
         ALL_DENIED, "refused"),  # no IAM entity to simulate
    ],
)  # fmt: skip
def test_decision_table(
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    principal: str,
    role: str | None,
    brokered: bool,
    probe: int,
    simulator: list[str] | None,
    verdict: str,
) -> None:
    from devkit.core.errors import NotReadyError
    from devkit.data import aws
    from devkit.data.guard import prove_read_only

    asked: list[tuple[str, list[str]]] = []

    def simulate(
        sess: object, source: str, resources: list[str], bucket: str, policy: object = None
    ) -> object:
        asked.append((source, resources))
        return simulator

    monkeypatch.setattr(aws, "simulate_writes", simulate)
    args = (Probe(probe), "acme-ml-dev-samples", "p/k", principal, None, role, "p/", brokered)
    if verdict == "pass":
        checks = prove_read_only(*args)  # type: ignore[arg-type]
        assert checks[0] == "conditional PutObject denied"
        assert len(checks) == 2, checks  # the probe alone is never enough
    else:
        expected = NotReadyError if verdict == "not ready" else RefusedError
        with pytest.raises(expected) as caught:
            prove_read_only(*args)  # type: ignore[arg-type]
        if kind.startswith("own") and simulator is None and probe == 403:
            assert "data.source.role_arn" in caught.value.hint
    if kind.startswith("own") and probe == 403:
        (source, resources), *_ = asked
        assert source == (USER if kind == "own user" else ROLE)
        assert resources[:2] == [
            "arn:aws:s3:::acme-ml-dev-samples/*",
            "arn:aws:s3:::acme-ml-dev-samples/p/*",
        ]
    if role is not None:
        assert asked == []  # the role's proof is the session policy


@pytest.mark.parametrize(
    ("principal", "policy", "simulator", "verdict"),
    [
        (USER, (True, None), ALL_DENIED, "pass"),  # no bucket policy
        (USER, (True, '{"Statement": []}'), ALL_DENIED, "pass"),  # simulated with the user
        (USER, (False, None), ALL_DENIED, "refused"),  # unreadable: it could grant writes
    ],
)
def test_the_bucket_policy_is_part_of_the_proof(
    monkeypatch: pytest.MonkeyPatch,
    principal: str,
    policy: tuple[bool, str | None],
    simulator: list[str],
    verdict: str,
) -> None:
    from devkit.data import aws
    from devkit.data.guard import prove_read_only

    given: list[object] = []

    def simulate(
        sess: object, source: str, resources: list[str], bucket: str, bucket_policy: object = None
    ) -> object:
        given.append(bucket_policy)
        return simulator

    monkeypatch.setattr(aws, "simulate_writes", simulate)
    args = (Probe(403, policy), "b", "p/k", principal, None, None, "p/")
    if verdict == "pass":
        prove_read_only(*args)  # type: ignore[arg-type]
        assert given == [policy[1]]
    else:
        with pytest.raises(RefusedError):
            prove_read_only(*args)  # type: ignore[arg-type]
        assert given == []


def test_a_bucket_policy_cannot_be_simulated_for_a_role_session() -> None:
    from devkit.data import aws

    class Never:
        def client(self, service: str, config: object = None) -> object:
            raise AssertionError("the simulator must not be asked")

    assert aws.simulate_writes(Never(), ROLE, ["arn:aws:s3:::b/*"], "b", "{}") is None


def test_simulator_answers_are_read_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only explicit denials for every action count; anything else is 'not available'."""
    from devkit.data import aws

    def client_answering(results: list[dict[str, object]], truncated: bool = False) -> object:
        class IAM:
            def simulate_principal_policy(self, **kwargs: object) -> dict[str, object]:
                return {"EvaluationResults": results, "IsTruncated": truncated}

        class Sess:
            def client(self, service: str, config: object = None) -> object:
                return IAM()

        return Sess()

    def answers(decision: str, specific: str = "implicitDeny") -> list[dict[str, object]]:
        return [
            {
                "EvalActionName": a,
                "EvalDecision": decision,
                "ResourceSpecificResults": [{"EvalResourceDecision": specific}],
            }
            for a in aws.WRITE_ACTIONS
        ]

    def ask(sess: object) -> list[str] | None:
        return aws.simulate_writes(sess, USER, ["arn:aws:s3:::b/*"], "b")

    assert ask(client_answering(answers("implicitDeny"))) == []
    assert ask(client_answering(answers("explicitDeny"))) == []
    assert ask(client_answering(answers("implicitDeny", "allowed"))) == [
        "s3:DeleteObject", "s3:DeleteObject (copy)", "s3:DeleteObjectVersion",
        "s3:DeleteObjectVersion (copy)", "s3:PutObject", "s3:PutObject (copy)",
    ]  # fmt: skip
    assert ask(client_answering(answers("implicitDeny"), truncated=True)) is None
    assert ask(client_answering([])) is None
    assert ask(client_answering(answers("maybe"))) is None
