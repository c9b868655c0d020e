"""Demo logins for the sample city's app: one user per bureau and an admin.

Created by `make demo` in the local store only; never use these passwords in a deployment.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from scenarios.users import add_user, list_users

DEMO_PASSWORD = "civicalloc-demo"
DEMO_USERS = {"admin": "admin", "health": "health", "education": "education",
              "social_security": "social_security"}  # fmt: skip


def ensure_demo_users(engine: Engine) -> dict[str, str]:
    """Create the demo users that are missing; return {username: role}."""
    existing = set(list_users(engine)["username"])
    for username, role in DEMO_USERS.items():
        if username not in existing:
            add_user(engine, username, DEMO_PASSWORD, role, by="demo")
    return DEMO_USERS
