"""Settings, built once at the edge (CLI or flow entry) from the environment and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import Limits

STATE_DIR = ".samordne"


@dataclass(frozen=True, slots=True)
class Settings:
    workdir: Path
    database_url: str
    review_threshold: float = 0.6  # predictions below this confidence are marked for review
    batch_files: int = 50  # files per ingestion task
    limits: Limits = field(default_factory=Limits)
    taxonomy_path: Path | None = None  # None: the shipped default taxonomy
    model_path: Path | None = None  # None: the shipped classifier

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, workdir: Path | None = None) -> Settings:
        env = os.environ if env is None else env
        workdir = (workdir or Path.cwd()).resolve()
        url = env.get("SAMORDNE_DATABASE_URL") or f"sqlite:///{workdir / STATE_DIR / 'samordne.db'}"
        defaults = Limits()
        limits = Limits(
            max_file_bytes=int(env.get("SAMORDNE_MAX_FILE_BYTES", defaults.max_file_bytes)),
            max_cells=int(env.get("SAMORDNE_MAX_CELLS", defaults.max_cells)),
            max_zip_ratio=float(env.get("SAMORDNE_MAX_ZIP_RATIO", defaults.max_zip_ratio)),
            max_read_seconds=float(env.get("SAMORDNE_MAX_READ_SECONDS", defaults.max_read_seconds)),
        )
        return cls(
            workdir=workdir,
            database_url=url,
            review_threshold=float(env.get("SAMORDNE_REVIEW_THRESHOLD", "0.6")),
            limits=limits,
            taxonomy_path=Path(env["SAMORDNE_TAXONOMY"]) if env.get("SAMORDNE_TAXONOMY") else None,
            model_path=Path(env["SAMORDNE_MODEL"]) if env.get("SAMORDNE_MODEL") else None,
        )

    def with_database(self, url: str) -> Settings:
        from dataclasses import replace

        return replace(self, database_url=url)


def prepare_prefect_env(workdir: Path, env: dict[str, str] | None = None) -> None:
    """Defaults that keep Prefect offline, quiet and out of ~/.prefect; call before importing prefect."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    assert env is not None
    env.setdefault("PREFECT_HOME", str(workdir / STATE_DIR / "prefect"))
    # Prefect creates its home but not missing parents; its ephemeral server then fails with
    # "unable to open database file" after the whole start-up timeout.
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    env.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
