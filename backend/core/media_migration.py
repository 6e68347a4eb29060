"""Moving a deployment's photos (and bulletins' files) from the local folder to another store,
as `firegrid media migrate` does. Resumable by construction: a file already in the target
with the same size is skipped, and each copy is one whole-object put, so a run that is killed
leaves nothing half-written and the next run finishes the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.core.media import LocalFolderStore, PhotoStore

VERIFIED_VARIANTS = {"original"}  # named by the hash of their own content


@dataclass
class Summary:
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0  # already in the target, same size
    damaged: list[str] = field(default_factory=list)  # an original whose bytes fail their hash

    def as_json(self) -> dict[str, object]:
        return {
            "copied": self.copied,
            "copied_bytes": self.copied_bytes,
            "skipped": self.skipped,
            "damaged": self.damaged,
        }


def migrate(
    source: LocalFolderStore,
    target: PhotoStore,
    *,
    dry_run: bool = False,
    progress: Callable[[str, str], None] = lambda key, action: None,
) -> Summary:
    """Copy every file of `source` missing from `target`. An original is read and checked
    against the hash it is named by before it is copied: a damaged one is reported and left
    where it is (copied, it would be served as if sound). `progress(key, action)` hears of
    each file ("copy", "skip", "damaged", or "would copy" in a dry run)."""
    summary = Summary()
    for key in source.keys():
        size = source.size(key)
        if size is None:  # gone since it was listed
            continue
        if target.size(key) == size:
            summary.skipped += 1
            progress(key, "skip")
            continue
        data = source.read(key)
        variant, _, name = key.partition("/")
        expected = name.rsplit("/", 1)[-1].split(".", 1)[0]
        if variant in VERIFIED_VARIANTS and hashlib.sha256(data).hexdigest() != expected:
            summary.damaged.append(key)
            progress(key, "damaged")
            continue
        if not dry_run:
            target.put(key, data)
        summary.copied += 1
        summary.copied_bytes += len(data)
        progress(key, "would copy" if dry_run else "copy")
    return summary
