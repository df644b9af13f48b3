"""The served process's peak resident memory (issue 8: under 200 MB under load). The peak the
bench reported (195-206 MB) was set at start-up, not under load: reading the identifier
guard's word list needs about 30 MB for a moment, and it was read after the app was built, so
the moment's memory came on top of the app's. Under load the process then held about 166 MB
(SQLite) and 174 MB (PostgreSQL) and grew by a few MB (docs/progress.md, "pgsave"). Read first,
and without a filtered copy of the list, the peak at start-up is about 161 MB; this holds it
under a ceiling well below the old 195 MB, so that the order coming undone fails here."""

from __future__ import annotations

from pathlib import Path

from bench.proc import ROOT, Child, child_env, memory
from samples.activities import TENANT
from storage.migrate import upgrade
from tests.e2e.harness import free_port

# Measured 160-163 MB after the change, 195-196 MB before it, on this project's locked set.
STARTUP_PEAK_CEILING_MB = 180


async def test_the_served_process_peaks_at_start_up_below_the_ceiling(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lineofsight.db'}"
    upgrade(url)
    port = free_port()
    env = child_env(
        DATA_DIR=str(tmp_path),
        DATABASE_URL=url,
        ALLOWED_TENANT_IDS=TENANT,
        MicrosoftAppId="",
        MicrosoftAppPassword="",
        HOST="127.0.0.1",
        PORT=str(port),
    )
    bot = Child("bot", ["-m", "bot", "serve"], env, ROOT, tmp_path / "bot.log")
    try:
        await bot.wait_ready(f"http://127.0.0.1:{port}/readyz")
        peak = memory(bot.pid)["peak_rss_mb"]
    finally:
        bot.stop()
    assert peak < STARTUP_PEAK_CEILING_MB, f"{peak:.0f} MB at start-up"
