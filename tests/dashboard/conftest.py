"""The dashboard served by waitress on a free port over a temporary store seeded with real runs.

One app per test session (Dash keeps pages and callbacks in process-wide registries). Runs use
a 60-area sample city, so each takes about a second.
"""

from __future__ import annotations

import re
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


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Http:
    """A client that talks to the app as a browser page does (or an attacker with curl would):
    signs in through the form with its CSRF token, posts Dash callbacks, reads pages."""

    def __init__(self, client, served: Served):
        self.client, self.served = client, served

    def csrf(self) -> str:
        """The CSRF token of this client's session, as the login form carries it."""
        return CSRF.search(self.client.get("/login").get_data(as_text=True)).group(1)

    def sign_in(self, user: str, password: str | None = None, **kwargs):
        """POST the login form (with its token) as `user`."""
        data = {"username": user, "password": password or self.served.password, "next": "/",
                "csrf_token": self.csrf()}  # fmt: skip
        return self.client.post("/login", data=data, **kwargs)

    def sign_out(self):
        """POST the logout form with the session's token (as the page's logout button does)."""
        with self.client.session_transaction() as session:
            token = session.get("csrf", "")
        return self.client.post("/logout", data={"csrf_token": token})

    def callback(self, output: str, inputs: list[tuple[str, str, object]], state=()):
        """POST one Dash callback the way the page does."""
        parts = output[2:-2].split("...") if output.startswith("..") else [output]
        outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
        as_dicts = [{"id": i, "property": p, "value": v} for i, p, v in inputs]
        body = {
            "output": output,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": as_dicts,
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{as_dicts[0]['id']}.{as_dicts[0]['property']}"],
        }
        return self.client.post("/_dash-update-component", json=body)

    def page(self, path: str, search: str = ""):
        """The page layout Dash's router returns for `path` (and a ?query)."""
        return self.callback(".._pages_content.children..._pages_store.data..",
                             [("_pages_location", "pathname", path),
                              ("_pages_location", "search", search)])  # fmt: skip


@pytest.fixture
def http(client, served):
    """A signed-out `Http` over a fresh Flask test client."""
    return Http(client, served)
