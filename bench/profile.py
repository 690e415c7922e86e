"""Hotspots from a py-spy ``raw`` (collapsed stacks) profile of a worker process."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*):?(?P<line>\d*)\)$")
OURS = ("dlt_atlassian/",)
PACKAGES = ("dlt_atlassian", "dlt", "duckdb", "httpx", "httpcore", "h11", "orjson", "json",
            "pyarrow", "sqlglot", "threading", "queue", "ssl", "socket", "selectors")


def py_spy() -> str | None:
    """The py-spy binary next to the interpreter, or on PATH."""
    import sys

    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def attach(pid: int, out: Path, rate: int = 25) -> subprocess.Popen[bytes] | None:
    """Start sampling ``pid`` into ``out`` (raw format); None when py-spy is unavailable."""
    binary = py_spy()
    if binary is None:
        return None
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate),
         "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for raw in stack.split(";"):
        m = _FRAME.match(raw.strip())
        out.append((m["func"], m["file"]) if m else (raw.strip(), ""))
    return out


def _package(file: str) -> str:
    parts = file.replace("\\", "/").split("/")
    for name in PACKAGES:
        if name in parts or (parts and parts[0].startswith(name)):
            return name
    return parts[0] if parts and parts[0] else "?"


def hotspots(text: str, top: int = 15) -> dict[str, Any]:
    """Self time by function, inclusive time of our functions, self time by package."""
    self_time: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = _frames(stack)
        func, file = frames[-1]
        self_time[f"{func} ({file})"] += n
        packages[_package(file)] += n
        seen = set()
        for f, fl in frames:
            label = f"{f} ({fl})"
            if any(o in fl for o in OURS) and label not in seen:
                seen.add(label)
                ours[label] += n

    def pct(c: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)] if total else []

    return {"samples": total, "self": pct(self_time), "ours_inclusive": pct(ours),
            "by_package": pct(packages)}
