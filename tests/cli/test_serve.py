"""`lstm-tui serve`: where it listens, what it refuses, the command it runs, and a clean stop.

The server runs for real (a subprocess on a free port); a websocket client stands in for the
browser here (tests/cli/test_serve_browser.py uses Chromium).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lstm_tui.cli import main
from lstm_tui.commands.serve import app_command, child_pids, request_allowed
from lstm_tui.paths import SOURCE_ROOT

SHIPPED = SOURCE_ROOT / "checkpoints" / "default"
STARTED = "lstm-tui serve: open "


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServeProcess:
    """`python -m lstm_tui serve ARGS` on a free port, its output in a file, its own session."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.checkpoints = tmp_path / "checkpoints"  # also marks every process the server starts
        self.log = tmp_path / "serve.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lstm_tui", "serve", "--port", str(self.port), *args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "LSTM_TUI_CHECKPOINTS": str(self.checkpoints), "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + 30
        while STARTED not in self.output():
            assert self.process.poll() is None, f"the server exited ({self.process.returncode}):\n{self.output()}"
            assert time.monotonic() < deadline, f"the server did not start within 30 s:\n{self.output()}"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def app_pids(self) -> list[int]:
        return child_pids(self.process.pid)

    def processes_left(self) -> list[str]:
        """Every process still running with this server's environment (the apps, anything they started)."""
        marker = f"LSTM_TUI_CHECKPOINTS={self.checkpoints}".encode()
        left = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if marker in environ.read_bytes().split(b"\0"):
                    left.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
        return left

    def stop(self, signum: int, timeout: float = 30) -> int:
        """Send `signum` and wait for the server to exit; its exit status."""
        self.process.send_signal(signum)
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["serve", *argv])
    return code, capsys.readouterr().err


def test_a_non_loopback_host_needs_allow_remote_and_says_why(capsys) -> None:
    code, err = run_cli(capsys, "--host", "0.0.0.0")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("lstm-tui: error: --host 0.0.0.0 is not a loopback address")
    assert "ssh -L 8000:localhost:8000" in err and "--allow-remote" in err


def test_a_port_in_use_is_one_line(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run_cli(capsys, "--port", str(port))
    assert code == 2
    assert err == f"lstm-tui: error: port {port} on 127.0.0.1 is already in use; choose another --port (or stop what listens there)\n"


def test_a_folder_without_a_model_is_refused_before_serving(capsys, tmp_path: Path) -> None:
    code, err = run_cli(capsys, "--model", str(tmp_path), "--port", str(free_port()))
    assert code == 2 and err.count("\n") == 1 and "model.json" in err


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "http"]])
def test_a_bad_port_is_a_usage_error(capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("lstm-tui serve: error: argument --port: --port")


def test_the_app_command_is_this_installation_with_the_model_quoted(tmp_path: Path) -> None:
    """textual-serve runs the command through the shell: a hostile folder name stays one argument."""
    model = tmp_path / "runs; touch pwned $(touch pwned2) 'quoted'"
    command = app_command(model)
    words = shlex.split(command)
    assert words[0] == "exec" and words[-5:] == [sys.executable, "-m", "lstm_tui", "--model", str(model)]
    result = subprocess.run(["sh", "-c", command + " --version"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("lstm-tui "), result.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert app_command(None).endswith(shlex.join([sys.executable, "-m", "lstm_tui"]))


@pytest.mark.parametrize(("host", "origin", "loopback_only", "allowed"), [
    ("127.0.0.1:8000", "http://127.0.0.1:8000", True, True),
    ("localhost:9000", "http://localhost:9000", True, True),  # an SSH tunnel on another local port
    ("[::1]:8000", "http://[::1]:8000", True, True),
    ("localhost:8000", None, True, True),  # a client that is no browser sends no Origin
    ("localhost:8000", "https://evil.example", True, False),  # another site's page opening a websocket
    ("localhost:8000", "http://localhost:8001", True, False),
    ("localhost:8000", "null", True, False),
    ("evil.example:8000", "http://evil.example:8000", True, False),  # DNS rebinding to 127.0.0.1
    ("[::1:8000", "http://[::1:8000", True, False),  # malformed
    ("gpu-box:8000", "http://gpu-box:8000", False, True),  # --allow-remote: any name, same origin
    ("gpu-box:8000", "https://evil.example", False, False),
])
def test_requests_from_other_sites_are_refused(host: str, origin: str | None, loopback_only: bool, allowed: bool) -> None:
    assert request_allowed(host, origin, loopback_only) is allowed


async def open_session(session, url: str, origin: str, host: str | None = None):
    """Open the app's websocket as a browser tab does: (status, websocket or None, the app's first screen bytes)."""
    import aiohttp

    headers = {"Origin": origin, **({"Host": host} if host else {})}
    try:
        ws = await session.ws_connect(url + "ws?width=100&height=30", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status, None, b""
    screen = b""
    deadline = time.monotonic() + 60
    while b"next token" not in screen and time.monotonic() < deadline:
        message = await ws.receive(timeout=60)
        if message.type == aiohttp.WSMsgType.BINARY:
            screen += message.data
        elif message.type != aiohttp.WSMsgType.TEXT:
            break
    return 101, ws, screen


def test_the_server_refuses_other_sites_and_stops_its_apps_on_sigint(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path, "--model", str(SHIPPED))
    try:
        origin = f"http://127.0.0.1:{server.port}"

        async def visit() -> list[int]:
            import aiohttp

            async with aiohttp.ClientSession() as session:
                async with session.get(server.url, headers={"Host": f"evil.example:{server.port}"}) as page:
                    assert page.status == 403
                async with session.get(server.url) as page:
                    assert page.status == 200 and "lstm-tui" in await page.text()
                async with session.get(server.url, headers={"Host": "localhost:9000"}) as page:  # through a tunnel
                    assert 'data-session-websocket-url="ws://localhost:9000/ws"' in await page.text()
                assert (await open_session(session, server.url, "https://evil.example"))[0] == 403
                rebound = f"evil.example:{server.port}"
                assert (await open_session(session, server.url, f"http://{rebound}", host=rebound))[0] == 403
                assert server.app_pids() == []  # nothing started for a refused page
                status, ws, screen = await open_session(session, server.url, origin)
                assert status == 101 and b"next token" in screen
                apps = server.app_pids()
                assert len(apps) == 1
                reading = asyncio.create_task(ws.receive(timeout=30))  # answers the server's close, as a browser does
                started = time.monotonic()
                assert await asyncio.to_thread(server.stop, signal.SIGINT) == 0  # with the session open
                assert time.monotonic() - started < 10
                while (await reading).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    reading = asyncio.create_task(ws.receive(timeout=30))
            return apps

        apps = asyncio.run(visit())
        assert server.processes_left() == []
        for pid in apps:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        output = server.output()
        assert "refused a request for 'evil.example" in output
        assert "lstm-tui serve: stopped" in output
        assert "Traceback" not in output and "Exception ignored" not in output and "did not quit" not in output
    finally:
        server.close()


@pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("setpriv")), reason="needs Linux and util-linux's setpriv")
def test_a_killed_server_leaves_no_app_behind(tmp_path: Path) -> None:
    """SIGKILL gives the server no chance to stop its apps: the parent-death signal does."""
    server = ServeProcess(tmp_path, "--model", str(SHIPPED))
    try:
        async def visit() -> None:
            import aiohttp

            async with aiohttp.ClientSession() as session:
                status, ws, screen = await open_session(session, server.url, f"http://127.0.0.1:{server.port}")
                assert status == 101 and b"next token" in screen and len(server.app_pids()) == 1
                assert server.stop(signal.SIGKILL) == -signal.SIGKILL
                deadline = time.monotonic() + 20
                while server.processes_left() and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                await ws.close()

        asyncio.run(visit())
        assert server.processes_left() == []
    finally:
        server.close()


def test_allow_remote_listens_everywhere_and_says_what_protects_it(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path, "--host", "0.0.0.0", "--allow-remote")
    try:
        assert "NO authentication" in server.output() and "ssh -L" in server.output()
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.close()
