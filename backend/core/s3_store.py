"""Photos in a bucket of an S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph RGW,
Aliyun OSS and Tencent COS in their S3 mode), under the same keys as the local folder, so a
deployment moves from one to the other by copying files (`firegrid media migrate`).

boto3 is imported when the store is first configured, not with the service: deployments that
keep photos in a folder never load it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend.core.errors import Problem
from backend.core.media import PhotoStore, Streamed, register_store
from backend.core.settings import ConfigurationError, Settings

CHUNK = 64 * 1024  # bytes read from the store per chunk sent on


class PhotoStoreUnavailable(Problem):
    """The store did not answer, or refused the service's own key: the client's request was
    sound and may be sent again later (as a database outage, 503 rather than 500)."""

    status, slug, title = 503, "photo-store-unavailable", "The photo store cannot be reached"


@register_store
class S3Store(PhotoStore):
    """Objects at `<prefix><key>` in one bucket. A put is one PUT of the whole file: S3 makes
    an object visible only once all of it is written, so readers never see half a file."""

    name = "s3"

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        prefix: str = "",
        signer: Any = None,
        serve: str = "stream",
        url_seconds: int = 300,
    ) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.signer = signer or client  # signs URLs for the endpoint browsers reach
        self.serve, self.url_seconds = serve, url_seconds

    @classmethod
    def configured(cls, settings: Settings) -> S3Store:
        missing = [
            name
            for name, value in (
                ("FIREGRID_S3_BUCKET", settings.s3_bucket),
                ("FIREGRID_S3_ACCESS_KEY", settings.s3_access_key),
                ("FIREGRID_S3_SECRET_KEY", settings.s3_secret_key),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(f"FIREGRID_PHOTO_STORE=s3 needs {', '.join(missing)}")
        key = (
            settings.s3_endpoint,
            settings.s3_public_endpoint,
            settings.s3_region,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
        )  # type: ignore[union-attr]
        client, signer = _clients(key)
        return cls(
            client,
            settings.s3_bucket,  # type: ignore[arg-type]
            prefix=settings.s3_prefix,
            signer=signer,
            serve=settings.media_serve,
            url_seconds=settings.s3_url_seconds,
        )

    def object_key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _call(self, operation: str, key: str, **params: Any) -> Any:
        """One request to the store; FileNotFoundError for a key that is not there."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(
                Bucket=self.bucket, Key=self.object_key(key), **params
            )
        except ClientError as exc:
            if _not_found(exc):
                raise FileNotFoundError(key) from exc
            raise PhotoStoreUnavailable(
                "the photo store refused the request; try again later"
            ) from exc
        except BotoCoreError as exc:
            raise PhotoStoreUnavailable("the photo store did not answer; try again later") from exc

    def put(self, key: str, data: bytes) -> None:
        self._call("put_object", key, Body=data)

    def read(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def stream(self, key: str) -> Iterator[bytes]:
        return self._opened(key).chunks

    def size(self, key: str) -> int | None:
        try:
            return int(self._call("head_object", key)["ContentLength"])
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        self._call("delete_object", key)

    def locate(self, key: str, *, public: bool = False) -> Path | str | Streamed:
        """A signed URL for a public copy or thumbnail when FIREGRID_MEDIA_SERVE=redirect;
        otherwise the object, streamed through the service."""
        if public and self.serve == "redirect":
            return self.signer.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.object_key(key)},
                ExpiresIn=self.url_seconds,
            )
        return self._opened(key)

    def _opened(self, key: str) -> Streamed:
        answer = self._call("get_object", key)
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return Streamed(chunks(), int(answer["ContentLength"]))


def _not_found(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey", "NotFound")


_made: dict[tuple, tuple[Any, Any]] = {}


def _clients(key: tuple) -> tuple[Any, Any]:
    """One client per configuration for the process (boto3 clients are thread-safe and keep
    their connection pool), and one for signing URLs with the public endpoint."""
    if key not in _made:
        import boto3
        from botocore.config import Config

        endpoint, public_endpoint, region, access_key, secret_key = key
        config = Config(
            signature_version="s3v4",
            # A named endpoint (SeaweedFS, MinIO) often has no per-bucket host names.
            s3={"addressing_style": "path" if endpoint else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            max_pool_connections=32,
        )

        def client(url: str | None) -> Any:
            return boto3.session.Session().client(
                "s3",
                endpoint_url=url,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )

        made = client(endpoint)
        _made[key] = (made, client(public_endpoint) if public_endpoint else made)
    return _made[key]
