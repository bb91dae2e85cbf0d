"""`lstm-tui serve`: the app in a browser, through textual-serve (one app process per browser tab).

textual-serve has no authentication: whoever reaches the port gets the app, and the app opens,
saves and trains on files. So the server listens on loopback unless told otherwise, a page of
another site (a websocket is not bound by the same-origin policy) or a DNS-rebound name cannot
drive it, and the way in from another machine is an SSH tunnel.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import os
import shlex
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from lstm_tui.engine.errors import UserError

SYNOPSIS = "[--model DIR]"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "the app in a browser, on localhost"
TUNNEL = "ssh -L 8000:localhost:8000 HOST"
DESCRIPTION = f"""\
Serve the app in a browser: each browser tab gets its own app process.

textual-serve has no authentication, so the server listens on localhost only.
From another machine, use an SSH tunnel rather than --allow-remote:
  {TUNNEL}      (on your laptop; HOST runs lstm-tui serve)
then open http://localhost:8000 in the laptop's browser."""
APP_QUIT_GRACE_S = 5.0
"""How long a stopping server lets its app processes quit on their own before terminating them."""
TERMINATE_GRACE_S = 3.0
"""After SIGTERM, how long before SIGKILL."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keeps the tunnel command on one line
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, metavar="N", default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--allow-remote", action="store_true",
        help="allow a --host other than loopback: anyone who can reach the port then uses the app with your "
        f"files (no password); prefer an SSH tunnel: {TUNNEL}",
    )
    parser.add_argument("--model", metavar="DIR", default=None, help="run folder each app opens (default: the app's own rule)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port takes a whole number, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be from 1 to 65535, got {port}")
    return port


def app_command(model: Path | None) -> str:
    """The shell command textual-serve runs per browser session: this installation's lstm-tui.

    `exec` makes the app the shell's own process, so the process the server started is the app.
    Where util-linux's setpriv is at hand (Linux), the app also gets SIGTERM, and quits, when the
    server dies without stopping it (SIGKILL, a crash): the parent-death signal. Without it an
    orphaned app would idle on forever, its model in memory."""
    argv = [sys.executable, "-m", "lstm_tui"]
    if model is not None:
        argv += ["--model", str(model)]
    if sys.platform.startswith("linux") and shutil.which("setpriv"):
        argv = ["setpriv", "--pdeathsig", "TERM", *argv]
    return "exec " + shlex.join(argv)


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback address (a name is resolved)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise UserError(f"--host {host} cannot be resolved ({exc.strerror or exc}); give an address such as 127.0.0.1") from None
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def check_port_free(host: str, port: int) -> None:
    """A one-line error before anything starts when the address cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UserError(f"--host {host} cannot be resolved ({exc.strerror or exc}); give an address such as 127.0.0.1") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(bind_error(host, port, exc)) from None


def bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; choose another --port (or stop what listens there)"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port}; choose a --port from 1024 up"
    return f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --host or --port"


def loopback_name(hostname: str) -> bool:
    """True for the names a browser on this machine uses for it: localhost, 127.x.x.x, ::1."""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def request_allowed(host_header: str, origin: str | None, loopback_only: bool) -> bool:
    """Whether a request may reach the app.

    On loopback, the Host header must name this machine (a DNS-rebound name such as evil.example
    pointing at 127.0.0.1 is refused); the port may differ (an SSH tunnel may map another). A
    websocket's Origin, which browsers always send, must be the page's own: a page of another site
    may open a websocket to localhost, and the same-origin policy does not stop it."""
    try:
        hostname = urlsplit(f"//{host_header}").hostname or ""
        origin_parts = urlsplit(origin) if origin is not None else None
    except ValueError:  # a malformed header ("[::1")
        return False
    if loopback_only and not loopback_name(hostname):
        return False
    if origin_parts is None:
        return True
    return origin_parts.scheme in ("http", "https") and origin_parts.netloc.lower() == host_header.lower()


def child_pids(parent: int | None = None) -> list[int]:
    """The running children of `parent` (default: this process, whose children are the app
    processes textual-serve started), from /proc; empty where there is no /proc."""
    me = str(os.getpid() if parent is None else parent)
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            # the fields after the command name (which may hold spaces or parentheses): state, ppid, ...
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if ppid == me and state != "Z":  # a zombie has exited already
                pids.append(int(stat.parent.name))
    return pids


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


async def stop_children(grace: float, term_grace: float = TERMINATE_GRACE_S) -> list[int]:
    """Wait up to `grace` for the app processes to exit by themselves, then SIGTERM (the app
    quits on it), then SIGKILL; returns the pids that had to be signalled. Runs while the event
    loop still owns the processes, so their pipes and exit statuses are collected by it."""

    async def gone_within(seconds: float) -> list[int]:
        deadline = time.monotonic() + seconds
        while (left := child_pids()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return left

    left = await gone_within(grace)
    signalled = list(left)
    signal_all(left, signal.SIGTERM)
    signal_all(await gone_within(term_grace), signal.SIGKILL)
    await gone_within(term_grace)
    return signalled


def kill_children() -> list[int]:
    """The last resort once the event loop is gone: SIGKILL every child left, and reap it."""
    pids = child_pids()
    signal_all(pids, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    return pids


def make_server(command: str, host: str, port: int, loopback_only: bool):
    """textual-serve's Server with this command's guards and a clean stop (built here: aiohttp and
    textual-serve are imported only to serve, not for `lstm-tui --help`, which imports every command)."""
    from aiohttp import web
    from textual_serve.server import Server

    class AppServer(Server):
        """Refuses requests from other sites; on stop, lets each app quit, then ends the rest."""

        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title="lstm-tui")
            self.sessions: set[asyncio.Task] = set()

        def allowed(self, request: web.Request, origin: str | None) -> bool:
            if request_allowed(request.host, origin, loopback_only):
                return True
            print(f"lstm-tui serve: refused a request for {request.host!r} from origin {origin!r} (another site?)", flush=True)
            return False

        async def handle_index(self, request: web.Request):
            if not self.allowed(request, None):
                raise web.HTTPForbidden(text="refused: this server answers to localhost only")
            # The page's links and websocket use the address the browser used (a tunnel may map another port).
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if not self.allowed(request, request.headers.get("Origin")):
                raise web.HTTPForbidden(text="refused: a page of another site may not drive the app")
            task = asyncio.current_task()
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def on_startup(self, app: web.Application) -> None:
            print(f"lstm-tui serve: open {page_url(host, port)} in a browser (each tab runs its own app); Ctrl+C stops", flush=True)

        async def on_shutdown(self, app: web.Application) -> None:
            # Cancelling a session makes textual-serve send its app "quit" and wait for it to exit.
            sessions = set(self.sessions)
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=APP_QUIT_GRACE_S)
            signalled = await stop_children(APP_QUIT_GRACE_S)
            if signalled:
                print(f"lstm-tui serve: terminated {len(signalled)} app process(es) that did not quit in time", file=sys.stderr, flush=True)

    return AppServer()


def page_url(host: str, port: int) -> str:
    """The address to open: this machine's name when listening on every interface."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run(args: argparse.Namespace) -> int:
    model = None
    if args.model:
        from lstm_tui.engine.runs.run_files.model_json import read_model_meta

        model = Path(args.model).expanduser().resolve()
        read_model_meta(model)  # a missing or damaged run folder: its one-line error now, not in each tab
    loopback = is_loopback(args.host)
    if not loopback and not args.allow_remote:
        raise UserError(
            f"--host {args.host} is not a loopback address and textual-serve has no password: anyone who can reach "
            f"the port would use the app with your files; use an SSH tunnel instead ({TUNNEL}, keeping --host "
            "127.0.0.1), or pass --allow-remote if the network is yours alone"
        )
    check_port_free(args.host, args.port)
    if not loopback:
        print(f"lstm-tui serve: listening on {args.host}, not only this machine, with NO authentication: "
              "anyone who reaches this port can use the app, read and write your files and train; "
              f"only a firewall or a private network protects it (an SSH tunnel, {TUNNEL}, is safer)", file=sys.stderr, flush=True)
    server = make_server(app_command(model), args.host, args.port, loopback_only=loopback)
    try:
        server.serve()
    except OSError as exc:  # lost a race for the port after the check
        raise UserError(bind_error(args.host, args.port, exc)) from None
    finally:
        if killed := kill_children():
            print(f"lstm-tui serve: killed {len(killed)} app process(es) left after the server stopped", file=sys.stderr)
    print("lstm-tui serve: stopped", flush=True)
    return 0
