"""Measuring a pipeline run in a child process: wall time, RSS over time, requests by endpoint.

The pipeline runs in its own process (``bench/worker.py``) so the simulator's memory, hosted by
the harness, is never counted; its peak RSS is the kernel's high-water mark (``VmHWM``) plus our
own samples of ``VmRSS`` (for per-phase peaks and the memory curve).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_INTERVAL_S = 0.1


def proc_status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` value from ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``), None once gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds used so far by ``pid`` (all threads), None once gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class RssSampler:
    """Samples a process's RSS in a background thread until it exits or :meth:`stop`."""

    pid: int
    interval: float = SAMPLE_INTERVAL_S
    kill_above_mb: float | None = None  # a guard for the shared machine: kill past this RSS
    killed: bool = False
    cpu_s: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch s, kB)
    hwm_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = proc_status_kb(self.pid, "VmRSS")
            hwm = proc_status_kb(self.pid, "VmHWM")
            if rss is None:
                return
            self.samples.append((time.time(), rss))
            self.cpu_s = proc_cpu_s(self.pid) or self.cpu_s
            self.hwm_kb = max(self.hwm_kb, hwm or 0, rss)
            if self.kill_above_mb is not None and rss / 1024 > self.kill_above_mb:
                self.killed = True
                os.kill(self.pid, signal.SIGKILL)
                return
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def peak_mb(self, start: float | None = None, end: float | None = None) -> float:
        """Peak sampled RSS in MB, optionally within ``[start, end]`` (epoch seconds)."""
        values = [kb for t, kb in self.samples
                  if (start is None or t >= start) and (end is None or t <= end)]
        return round(max(values, default=0) / 1024, 1)

    def curve(self, points: int = 40) -> list[tuple[float, float]]:
        """A thinned ``(seconds since start, MB)`` curve for the report."""
        if not self.samples:
            return []
        t0 = self.samples[0][0]
        step = max(1, len(self.samples) // points)
        return [(round(t - t0, 1), round(kb / 1024, 1)) for t, kb in self.samples[::step]]


@dataclass
class ChildRun:
    """What one worker process did: its result file plus what we measured from outside."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    result: dict[str, Any]
    rss_curve: list[tuple[float, float]]
    stderr_tail: str
    phase_peaks_mb: dict[str, float] = field(default_factory=dict)
    killed_over_mb: float | None = None
    cpu_s: float = 0.0  # the worker's CPU time (as last sampled)
    harness_cpu_s: float = 0.0  # this process's CPU time meanwhile: the simulator's work


def run_child(argv: Sequence[str], result_path: Path, *, timeout: float,
              env: dict[str, str] | None = None, cwd: Path | None = None,
              log_path: Path | None = None, profile_out: Path | None = None,
              max_rss_mb: float | None = None) -> ChildRun:
    """Run ``argv`` (a worker writing JSON to ``result_path``), sampling its RSS meanwhile.

    With ``profile_out``, py-spy samples the worker's stacks into that file as well.
    """
    from bench.profile import attach

    log_path = log_path or result_path.with_suffix(".log")
    started, cpu_before = time.time(), time.process_time()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                                env={**os.environ, **(env or {})})
        sampler = RssSampler(proc.pid, kill_above_mb=max_rss_mb).start()
        spy = attach(proc.pid, profile_out) if profile_out is not None else None
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            returncode = proc.wait(10)
        finally:
            sampler.stop()
            if spy is not None:
                try:
                    spy.wait(60)
                except subprocess.TimeoutExpired:
                    spy.kill()
    wall = time.time() - started
    harness_cpu = time.process_time() - cpu_before
    result: dict[str, Any] = {}
    if result_path.exists():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    # The worker reports its own VmHWM just before exiting: the sampler can miss a short spike.
    own_hwm = float(result.get("vmhwm_mb") or 0.0)
    peak = max(own_hwm, round(sampler.hwm_kb / 1024, 1))
    phases = {name: sampler.peak_mb(p.get("started_at"), p.get("finished_at"))
              for name, p in (result.get("phases") or {}).items()}
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
    return ChildRun(returncode, round(wall, 2), peak, result, sampler.curve(), tail, phases,
                    max_rss_mb if sampler.killed else None, round(sampler.cpu_s, 1),
                    round(harness_cpu, 1))


def python() -> str:
    """The interpreter to run workers with (the one running the harness)."""
    return sys.executable


def diff_counts(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """Requests per endpoint between two snapshots of the simulator's counters."""
    out = {k: v - before.get(k, 0) for k, v in after.items()}
    return {k: v for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v}
