"""The bench's wrk helpers (bench/proc.py): its report parsed, and the Lua script that POSTs a
JSON body with a unique id per request, run by wrk itself against a local server when wrk is
installed."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bench.benchmarks.invoices import invoice_body
from bench.proc import lua_string, parse_wrk, post_script, run_wrk

REPORT = """Running 12s test @ http://127.0.0.1:8000/invoices
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.25ms  192.50ms   1.95s    92.50%
    Req/Sec   125.95     39.44   210.00     70.00%
  Latency Distribution
     50%  790.93ms
     75%  880.02ms
     90%    1.01s
     99%    1.62s
  1482 requests in 12.03s, 1.70MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    123.19
Transfer/sec:    144.67KB
""".replace("1.62s\n", "1.62s \n")  # wrk pads a unit to two characters


def test_parse_wrk_reads_the_report() -> None:
    result = parse_wrk(REPORT, 12)
    assert result.requests == 1482
    assert result.seconds == pytest.approx(12.03)
    assert result.rps == pytest.approx(123.19)
    assert result.p50_ms == pytest.approx(790.93)  # not the 92.50% of the stdev column
    assert result.p99_ms == pytest.approx(1620)  # "1.62s " as wrk pads it
    assert result.non_2xx == 7
    assert result.socket_errors == 5
    assert result.cpu_s == 0.0


def test_parse_wrk_without_errors_and_in_microseconds() -> None:
    report = re.sub(r"  Socket errors.*\n  Non-2xx.*\n", "", REPORT)
    report = report.replace("790.93ms", "950.10us").replace("12.03s", "950.00ms")
    result = parse_wrk(report, 1)
    assert (result.non_2xx, result.socket_errors) == (0, 0)
    assert result.p50_ms == pytest.approx(0.9501)
    assert result.seconds == pytest.approx(0.95)


def test_lua_string_escapes_quotes_backslashes_and_other_bytes() -> None:
    assert lua_string('{"a":"x\\"y"}') == '"{\\"a\\":\\"x\\\\\\"y\\"}"'
    assert lua_string("a\nb\u00e9") == '"a\\010b\\195\\169"'


def test_post_script_needs_the_marker_exactly_once() -> None:
    with pytest.raises(ValueError):
        post_script('{"a": "M", "b": "M"}', "M", "run")
    with pytest.raises(ValueError):
        post_script('{"a": 1}', "M", "run")


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every POST with 201, every fifth with 409, and keeps the bodies."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    bodies: ClassVar[list[dict[str, Any]]] = []
    keys: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.bodies.append(body)
            self.keys[self.headers.get("X-API-Key", "")] += 1
            status = 409 if len(self.bodies) % 5 == 0 else 201
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_post_script_sends_the_body_with_a_unique_id_per_request(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    template = invoice_body()
    script = tmp_path / "post.lua"
    script.write_text(post_script(json.dumps({**template, "external_id": "@ID@"}), "@ID@", "r1"))
    try:
        result = run_wrk(
            str(shutil.which("wrk")),
            f"http://127.0.0.1:{server.server_address[1]}/invoices",
            seconds=1,
            connections=4,
            threads=2,
            headers={"X-API-Key": "k1"},
            script=script,
        )
    finally:
        server.shutdown()
        server.server_close()
    ids = [body.pop("external_id") for body in Recorder.bodies]
    assert result.requests > 10
    assert len(ids) >= result.requests
    assert len(set(ids)) == len(ids)
    assert {re.fullmatch(r"r1-([12])-\d+", i).group(1) for i in ids} == {"1", "2"}  # type: ignore[union-attr]
    template.pop("external_id")
    assert all(body == template for body in Recorder.bodies)
    assert Recorder.keys == {"k1": len(ids)}
    assert 0 < result.non_2xx <= len(ids) // 5
    assert result.cpu_s > 0
