"""`devkit credentials get`: the credential_process side, run by the AWS SDK in the container."""

from __future__ import annotations

import json
import socket

from devkit.core.errors import NotReadyError
from devkit.credentials.protocol import REQUEST


def fetch(socket_path: str, timeout: float = 10.0) -> str:
    """The broker's JSON answer; NotReadyError when the broker is gone or refuses."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(socket_path)
            sock.sendall(REQUEST)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if chunk.endswith(b"\n"):
                    break
        except OSError as exc:
            raise NotReadyError(
                f"the devkit credentials broker at {socket_path} does not answer ({exc})",
                "run 'devkit init' on the host again (it starts the broker)",
            ) from None
    answer = b"".join(chunks).decode()
    data = json.loads(answer)
    if "Error" in data:
        raise NotReadyError(str(data["Error"]), "check 'devkit doctor' on the host")
    return answer.strip()
