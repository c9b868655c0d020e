"""The same runs stored in PostgreSQL give the same brief, number for number."""

from __future__ import annotations

from dashboard.brief import build_brief


def test_a_brief_from_postgresql_equals_the_one_from_sqlite(brief_store, pg_brief_store):
    briefs = [
        build_brief(
            store.engine, "more beds", "today", "health", "en", "health", "hui", maps=False
        )  # fmt: skip
        for store in (brief_store, pg_brief_store)
    ]
    texts = [[(f.text, f.source) for f in b.figures] for b in briefs]
    assert texts[0] == texts[1] and len(texts[0]) > 50
