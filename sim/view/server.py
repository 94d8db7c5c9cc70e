"""Start the Solara server for the browser view (``python run.py serve``).

The server runs in this process (so its PID is the one you started), serves
every asset locally (``solara-assets``; no CDN, works offline) and opens the
page with the scenario given on the command line.
"""

from __future__ import annotations

import os
import sys
import warnings

from sim.view.session import SCENARIO_ENV

APP = "sim.view.app"


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str = "baseline_2025") -> int:
    """Serve the view until interrupted; return an exit code."""
    os.environ[SCENARIO_ENV] = str(scenario)
    # Solara reports usage to a public service by default; there is no network here,
    # and a teaching tool has no business phoning home.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
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
        if code:
            print(f"error: the server stopped (is port {port} on {host} already in use?)",
                  file=sys.stderr)
        return code
    return 0
