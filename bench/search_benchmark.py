"""How fast is the instrument search at 20,000 instruments? Run by hand, not in CI:

    .venv/bin/python bench/search_benchmark.py            # SQLite in a temporary folder
    LMS_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/search_benchmark.py

It builds the schema with the migrations, inserts the instruments with their search documents in
bulk, runs typical searches (with filters, counts per value and sorting, as the search page does)
and prints the median and 95th percentile per query. Target: under 100 ms.

The texts are drawn with Zipf-like word frequencies from the starter instruments' words (the most
frequent) and 30,000 made-up words, so common words match many instruments and rare ones few,
as in a real library. BENCH_INSTRUMENTS changes the number of instruments.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.instrumente import queries  # noqa: E402
from lms.instrumente.models import Instrument, InstrumentSector, InstrumentTopic, SearchDocument  # noqa: E402
from lms.instrumente.search import SearchFilters  # noqa: E402
from lms.instrumente.starter import INSTRUMENTS  # noqa: E402
from lms.textsearch import terms  # noqa: E402

COUNT = int(os.environ.get("BENCH_INSTRUMENTS", 20_000))
KINDS = ["analysis", "agreement", "governance", "moderation", "case_cooperation", "risk_assessment", "directory",
         "quality", "qualification"]
SECTORS = ["youth_welfare", "counselling", "health", "education", "police", "justice", "disability", "early_support"]
TOPICS = ["Helferkonferenz", "Datenschutz", "Kooperation", "Vorlage", "Gremien", "Moderation", "Qualität",
          "Gefährdungseinschätzung", "Netzwerkanalyse", "Notfall", "Fallberatung", "Feedback"]
STARTER_WORDS = " ".join(item["title"] + " " + item["summary"] for item in INSTRUMENTS).split()
SYLLABLES = ("be ra tung netz werk kin der schutz hil fe amt plan ge spräch kon zept ver fah ren prü fung ar beit "
             "stel le kreis fach kraft bo gen lei grup pe fo rum pro jekt kar te el tern ju gend sta tion ort").split()
QUERIES = [("Kooperationsvereinbarungen", {}), ("Helferkonferenz", {"kind": "case_cooperation"}),
           ("Gefaehrdung", {}), ("Netzwerk", {"sector": "health"}), ("Checkliste Datenschutz", {}),
           ("", {"topic": "Vorlage", "sort": "newest"}), ("Moderation Protokoll", {"dimension": "internal"}),
           ("Schutzauftrag", {"sort": "title"}), ("", {})]  # the last: the library's first page


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    """The starter texts' words first (the most frequent), then made-up German-like words."""
    words = list(dict.fromkeys(STARTER_WORDS))
    while len(words) < size:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5))).capitalize())
    return words


def _text(rng: random.Random, words: list[str], weights: list[float], count: int) -> str:
    """Words drawn with Zipf-like frequencies, as in real text."""
    return " ".join(rng.choices(words, cum_weights=weights, k=count))


def seed(rng: random.Random) -> None:
    now = datetime.now(UTC)
    words = vocabulary(rng)
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        weights.append(total)
    instruments, documents, topics, sectors = [], [], [], []
    for number in range(1, COUNT + 1):
        title, summary, description = (_text(rng, words, weights, count) for count in (5, 25, 120))
        chosen_topics = rng.sample(TOPICS, 2)
        instruments.append(dict(
            id=number, title=title[:200], kind=rng.choice(KINDS), summary=summary[:500], description=description,
            dimension=rng.choice(["internal", "performance", "both"]), licence_note="", link_url="",
            visibility=rng.choice(["public", "members"]), state="published", created_at=now, updated_at=now,
            published_at=now - timedelta(minutes=number), version_count=1,
        ))
        topics += [dict(instrument_id=number, topic=topic) for topic in chosen_topics]
        sectors.append(dict(instrument_id=number, sector=rng.choice(SECTORS)))
        title_terms = " ".join(terms(title))
        body_terms = " ".join(terms(" ".join([summary, description, *chosen_topics])))
        documents.append(dict(instrument_id=number, title_terms=title_terms, body_terms=body_terms))
    for model, rows in ((Instrument, instruments), (InstrumentTopic, topics), (InstrumentSector, sectors),
                        (SearchDocument, documents)):
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(model), rows[start:start + 2000])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Fresh statistics and visibility information, as autovacuum keeps them in a running database.
        connection.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            flask_migrate.downgrade(revision="base") if os.environ.get("LMS_DATABASE_URL") else None
            flask_migrate.upgrade()
            started = time.perf_counter()
            seed(random.Random(42))
            print(f"{db.engine.dialect.name}: {COUNT} instruments indexed in {time.perf_counter() - started:.1f} s")
            for query, extra in QUERIES:
                timings = []
                for _ in range(15):
                    begin = time.perf_counter()
                    result = queries.search_instruments(SearchFilters(query=query, **extra), signed_in=True)
                    timings.append((time.perf_counter() - begin) * 1000)
                    db.session.rollback()
                timings.sort()
                print(f"  {query or '(no text)':<28} {str(extra):<40} {result.total:>6} hits   "
                      f"median {statistics.median(timings):6.1f} ms   p95 {timings[int(len(timings) * 0.95) - 1]:6.1f} ms")


if __name__ == "__main__":
    main()
