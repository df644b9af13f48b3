"""Child processes of a benchmark run, and what /proc says about their memory and CPU."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory in MB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values["peak_rss_mb" if name == "VmHWM" else "rss_mb"] = int(rest.split()[0]) / 1024
    return values


def own_memory() -> dict[str, float]:
    return memory(os.getpid())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Child:
    def __init__(self, name: str, args: list[str], env: dict[str, str], cwd: Path, log: Path):
        self.name = name
        self.log = log
        self._out: IO[Any] = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=cwd,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._out.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    async def wait_ready(self, url: str, within: float = 60.0) -> None:
        """Until `url` answers (any status below 500), or the child dies."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with aiohttp.ClientSession() as http:
            while True:
                self.check_alive()
                try:
                    async with http.get(url) as response:
                        if response.status < 500:
                            return
                except aiohttp.ClientError:
                    pass
                if loop.time() > deadline:
                    raise RuntimeError(f"{self.name} not ready at {url}:\n{self.tail()}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._out.close()


def child_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    }
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env
