"""`devkit post-create` in a cloud IDE: no broker, credentials from the standard AWS chain.

Run as a host subprocess with a clean environment (every host ``AWS_*`` removed, AWS config
files pointing nowhere, IMDS disabled): no broker socket, only environment keys (as Codespaces
secrets provide them) and ``AWS_ENDPOINT_URL`` for the IAM-enforcing moto. The same guard as
`devkit sync-data` decides: a read-only role configured in the profile → the sample is synced; a
write-capable user without a role → refused, and post-create generates synthetic data, says why
and still succeeds (it must not fail the container for that).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.data.manifest import Manifest

from .conftest import ROOT, MotoIAM, make_workspace

pytestmark = pytest.mark.s3
IDE_PREFIX = ROOT + "cloud-ide/"


@pytest.fixture(scope="module")
def ide_sample(moto_iam: MotoIAM) -> dict[str, bytes]:
    """Real Parquet files (post-create's fingerprint step reads their schema)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    objects = {}
    for name, rows in (("docs.parquet", 50), ("labels.parquet", 10)):
        sink = io.BytesIO()
        pq.write_table(pa.table({"id": list(range(rows))}), sink)
        objects[name] = sink.getvalue()
        moto_iam.put(IDE_PREFIX + name, objects[name])
    return objects


def post_create(ws_root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "NO_COLOR": "1",
    }
    assert not any(k.startswith("AWS_CONTAINER") or k == "AWS_PROFILE" for k in env)
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", "post-create", "--workspace", str(ws_root),
         "--profile", "sample", "--no-input"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    print(proc.stdout, proc.stderr)
    return proc


def data_log(ws_root: Path) -> str:
    return (ws_root / ".devkit/logs/post-create/data.log").read_text()


def test_read_only_role_with_environment_keys_syncs_the_sample(
    moto_iam: MotoIAM, tmp_path: Path, ide_sample: dict[str, bytes]
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=IDE_PREFIX)
    proc = post_create(ws.root, moto_iam.env(moto_iam.dev_key))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = data_log(ws.root)
    assert "no credentials broker is mounted" in log
    assert "the AWS credential chain provides environment keys" in log
    assert "read-only: verified" in log and "devkit-training-readonly" in log
    expected = ide_sample
    for rel, body in expected.items():
        assert (ws.dest() / rel).read_bytes() == body
    assert set(Manifest.load(ws.dest()).files) == set(expected)
    secret = moto_iam.dev_key.secret_access_key
    assert secret not in proc.stdout + proc.stderr + log


def test_write_capable_user_without_role_is_refused_and_synthetic_data_is_used(
    moto_iam: MotoIAM, tmp_path: Path, ide_sample: dict[str, bytes]
) -> None:
    ws = make_workspace(tmp_path / "ws", None, prefix=IDE_PREFIX)
    proc = post_create(ws.root, moto_iam.env(moto_iam.writer_key))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = data_log(ws.root)
    assert "the S3 sample was refused: these credentials can write" in log
    assert "data: synthetic, because the S3 sample was refused" in log
    assert (ws.dest() / "t.parquet").is_file()
    assert not (ws.dest() / "docs.parquet").exists()
    assert Manifest.load(ws.dest()).kind != "s3"


def test_keys_without_proof_are_refused_and_synthetic_data_is_used(
    moto_iam: MotoIAM, tmp_path: Path, ide_sample: dict[str, bytes]
) -> None:
    """Keys whose probe is denied but that write elsewhere in the bucket: no proof, refused."""
    ws = make_workspace(tmp_path / "ws", None, prefix=IDE_PREFIX)
    proc = post_create(ws.root, moto_iam.env(moto_iam.elsewhere_writer))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = data_log(ws.root)
    assert "the S3 sample was refused: cannot prove" in log
    assert (ws.dest() / "t.parquet").is_file()


def test_no_credentials_at_all_generates_synthetic_data_saying_why(
    moto_iam: MotoIAM, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    proc = post_create(ws.root, moto_iam.env(None))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = data_log(ws.root)
    assert "the AWS credential chain provides no credentials" in log
    assert (ws.dest() / "t.parquet").is_file()


def test_sample_asked_for_and_refused_fails_naming_the_reason(
    moto_iam: MotoIAM, tmp_path: Path, ide_sample: dict[str, bytes]
) -> None:
    ws = make_workspace(tmp_path / "ws", None, prefix=IDE_PREFIX)
    env = moto_iam.env(moto_iam.writer_key)
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", "post-create", "--workspace", str(ws.root),
         "--profile", "sample", "--no-input", "--data", "sample"],
        env={**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "can write" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
