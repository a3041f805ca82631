"""Process CPU from /proc and the wrk load generator (installed from the Debian package when
missing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def find_pid(*names: str) -> int | None:
    """The first process whose command name is one of `names` (e.g. the shared MariaDB)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    return int(entry.name)
            except OSError:
                continue
    return None


class CpuMeter:
    """CPU seconds used by named processes between `start()` and `stop()`."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self._start: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        """Each process's CPU seconds so far (for a timeline of readings)."""
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def start(self) -> None:
        self._start = self.read()

    def stop(self) -> dict[str, float]:
        now = self.read()
        self.used = {name: now[name] - self._start.get(name, 0.0) for name in self.pids}
        return self.used


def ensure_wrk() -> str | None:
    """The wrk binary; installs the Debian package if it is missing (None if that fails)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = ["apt-get", "install", "-y", "-q", "wrk"]
    command = apt if os.geteuid() == 0 else ["sudo", "-n", *apt]
    print("wrk missing: " + " ".join(command), flush=True)
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"could not install wrk ({exc}); using the Python client", flush=True)
        return None
    return shutil.which("wrk")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    cpu_s: float = 0.0  # wrk's own user + system CPU (0 when it did not run wrk)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0


def parse_wrk(out: str, seconds: float) -> WrkResult:
    """wrk's `--latency` report; `seconds` is the duration asked for (used if none is printed)."""
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    elapsed = re.search(r"requests in ([\d.]+)(m?s|m)", out)
    secs = float(elapsed.group(1)) if elapsed else float(seconds)
    if elapsed and elapsed.group(2) == "ms":
        secs /= 1000
    elif elapsed and elapsed.group(2) == "m":
        secs *= 60
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    # Not "92.50%" of the stdev column; wrk pads a unit to two characters ("1.52s ").
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        requests=requests,
        seconds=secs,
        rps=float(rps.group(1)) if rps else requests / secs,
        p50_ms=_ms(p50.group(1)) if p50 else 0.0,
        p99_ms=_ms(p99.group(1)) if p99 else 0.0,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def run_wrk(
    wrk: str,
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    timeout_s: int | None = None,
) -> WrkResult:
    """wrk against `url` for `seconds`; `script` is a Lua file (e.g. `post_script`), and
    `timeout_s` replaces wrk's 2 s request timeout (a slower answer counts as a socket error).
    The result carries wrk's own CPU, read from its rusage when it is reaped."""
    args = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    if timeout_s is not None:
        args += ["--timeout", f"{timeout_s}s"]
    args.append(url)
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # reaps wrk: its own rusage, no one else's
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, args, out)
    result = parse_wrk(out, seconds)
    result.cpu_s = usage.ru_utime + usage.ru_stime
    return result


def lua_string(value: str) -> str:
    """`value` as a double-quoted Lua string literal (control bytes and non-ASCII escaped)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def post_script(body: str, marker: str, run_id: str) -> str:
    """A wrk Lua script POSTing `body` as JSON with `marker` (which must occur once) replaced
    per request by `<run_id>-<thread>-<n>`: each wrk thread has its own Lua state, so the
    thread's number (given in `setup`) and its own counter make the value unique in a run, and
    `run_id` across runs."""
    if body.count(marker) != 1:
        raise ValueError(f"the marker {marker!r} must occur exactly once in the body")
    prefix, suffix = body.split(marker)
    return f"""-- wrk: POST a JSON body with its own id each time (bench/proc.py: post_script)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local prefix = {lua_string(prefix + run_id + "-")}
local suffix = {lua_string(suffix)}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  sent = 0
end

function request()
  sent = sent + 1
  return wrk.format(nil, nil, nil, prefix .. thread_number .. "-" .. sent .. suffix)
end
"""
