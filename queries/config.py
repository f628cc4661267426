"""Where the warehouse is: --url, else $CX_WAREHOUSE_URL, else secrets.toml, else the demo."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from queries import settings

ENV_URL = settings.WAREHOUSE_URL.name
SECRETS_PATH = Path(".streamlit") / "secrets.toml"


@dataclass(frozen=True)
class WarehouseTarget:
    url: str
    source: str  # "--url", "environment", "secrets.toml" or "demo"

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"


def demo_path() -> Path:
    """The embedded demo warehouse file ($CX_DEMO_PATH, default ~/.cache/cx-scorecard/)."""
    raw = settings.DEMO_PATH.value()
    if raw:
        return Path(raw).expanduser().resolve()
    return Path.home() / ".cache" / "cx-scorecard" / "demo.duckdb"


def demo_url() -> str:
    return f"duckdb:///{demo_path()}"


def _from_secrets(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from exc
    conn = data.get("connections", {}).get("warehouse", {})
    url = conn.get("url") if isinstance(conn, dict) else None
    return url or data.get(ENV_URL)


def resolve(cli_url: str | None = None, secrets_path: Path = SECRETS_PATH) -> WarehouseTarget:
    if cli_url:
        return WarehouseTarget(cli_url, "--url")
    from_env = settings.WAREHOUSE_URL.value()
    if from_env:
        return WarehouseTarget(from_env, "environment")
    url = _from_secrets(secrets_path)
    if url:
        return WarehouseTarget(url, "secrets.toml")
    return WarehouseTarget(demo_url(), "demo")


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given, minus nothing secret
        return url.split("@")[-1]
