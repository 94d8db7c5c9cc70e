"""Start the Solara server for the browser view (``python run.py serve``).

The server runs in this process (so its PID is the one you started), serves
every asset locally (``solara-assets``; no CDN, works offline) and opens the
page with the scenario given on the command line.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import warnings

from sim.view.session import SCENARIO_ENV

APP = "sim.view.app"


EXIT_BAD_INPUT = 2


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (one line), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (is the view already "
                        f"running?); stop that server or pick a free port with --port")
            if exc.errno == errno.EACCES:
                return (f"no permission to listen on port {port}; pick a port above 1023 "
                        "with --port")
            return f"cannot listen on {host}:{port} ({exc.strerror}); check --host and --port"
    return None


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str = "baseline_2025") -> int:
    """Serve the view until interrupted; return an exit code (2: the port cannot be used)."""
    problem = port_problem(host, port)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    os.environ[SCENARIO_ENV] = str(scenario)
    # Solara reports usage to a public service by default; there is no network here,
    # and a teaching tool has no business phoning home.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # Solara's "This website runs on Solara" badge is fixed over the page's corner, on
    # top of the news and charts.
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import solara_assets  # noqa: F401 - serves Solara's JS/CSS without a CDN
    except ImportError:
        print("warning: solara-assets is not installed; without internet the page stays "
              "blank (pip install solara-assets)", file=sys.stderr)
    from solara.__main__ import run

    # Solara warns on every page load that SameSite=None cookies need https; on plain
    # http it falls back to SameSite=Lax, which is right for a local server.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    print(f"Rare Earth Standoff: open http://{shown}:{port}/ in your browser "
          f"(scenario {scenario}; Ctrl+C stops the server)", flush=True)
    args = [APP, "--host", host, "--port", str(port), "--no-open", "--production",
            "--no-check-version", "--no-access-log"]
    try:
        run.main(args=args, standalone_mode=False)
    except KeyboardInterrupt:
        return 0
    except SystemExit as exc:  # uvicorn exits when it cannot bind the port
        code = exc.code if isinstance(exc.code, int) else 1
        if code:  # taken between the check above and the server's own bind
            print(f"error: the server stopped: {port_problem(host, port) or 'see above'}",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        return 0
    return 0
