"""The dashboard served by waitress on a free port over a temporary store seeded with real runs.

One app per test session (Dash keeps pages and callbacks in process-wide registries). Runs use
a 60-area sample city, so each takes about a second.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "correct-horse-1"
USERS = {"ana": "admin", "hui": "health", "jiao": "education", "she": "social_security"}


@dataclass
class Served:
    """The running dashboard: its URL, app, store and the seeded runs by scenario name."""

    url: str
    app: object
    engine: object
    runs: dict[str, str]
    password: str = PASSWORD


def seed_store(url: str) -> dict[str, str]:
    """Three runs of the 60-area city (admin, education, health) and one user per role."""
    from scenarios.pipeline import run_scenario
    from scenarios.spec import load_scenario, with_changes
    from scenarios.store import connect, save_run
    from scenarios.users import add_user

    engine = connect(url)
    base = with_changes(
        load_scenario(Path(__file__).resolve().parents[2] / "scenarios/examples/today.toml"),
        {"city": "sample:60", "models": ["access"]},  # the dashboard needs a run, not every model
    )
    runs = {}
    for name, owner, minutes in [
        ("today", "admin", 30),
        ("short trips", "education", 15),
        ("wider reach", "health", 45),
    ]:
        scenario = with_changes(
            base, {"name": name, "owner": owner, "rules.max_travel_minutes": minutes}
        )
        runs[name] = save_run(engine, run_scenario(scenario, "seed"))
    for user, role in USERS.items():
        add_user(engine, user, PASSWORD, role)
    return runs


@pytest.fixture(scope="session")
def served():
    """The dashboard on http://127.0.0.1:<free port>, stopped at the end of the session."""
    import waitress.server

    from dashboard.app import create_app
    from dashboard.session import ENGINE_KEY

    folder = Path(tempfile.mkdtemp(prefix="civicalloc-dash-"))
    url = f"sqlite:///{folder / 'store.sqlite'}"
    runs = seed_store(url)
    app = create_app(url, secret_key="test-secret", jobs_dir=str(folder / "jobs"))
    server = waitress.server.create_server(app.server, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.effective_port}", app, app.server.config[ENGINE_KEY],
                 runs)  # fmt: skip
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Debian chromium driven by selenium (skipped only when chromium is absent)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (Debian's chromium package)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1400,1000", "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def client(served):
    """A Flask test client of the served app (no browser), signed out."""
    return served.app.server.test_client()
