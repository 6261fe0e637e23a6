"""How well does the free-text guard do on vignettes written for the purpose? Run by hand:

    .venv/bin/python bench/guard.py            # the figures
    .venv/bin/python bench/guard.py --misses   # and every text it judged wrongly, with its findings

The corpus (tests/data/vignettes.jsonl) holds realistic § 8a/§ 8b consultation vignettes, each
labelled: half of them contain something that identifies a person (names, also surnames that are
words and names at the start of a sentence, places after "aus", institutions, ages with places,
dates, numbers), half do not (roles, ages without places, "in der Kita", months, times, amounts,
paragraphs). A text counts as found when the guard reports anything in it. Targets: recall on
the identifying texts >= 0.95, false alarms on the clean ones <= 0.10 (tests/beratung/test_guard.py
asserts them).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.beratung.guard import find_identifiers

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "vignettes.jsonl"


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(corpus: list[dict]) -> dict:
    """Recall on the identifying texts, false-alarm rate on the clean ones, and the misjudged texts."""
    identifying = [item for item in corpus if item["identifying"]]
    clean = [item for item in corpus if not item["identifying"]]
    missed = [item for item in identifying if not find_identifiers(item["text"])]
    alarms = [item for item in clean if find_identifiers(item["text"])]
    return {"texts": len(corpus), "identifying": len(identifying), "clean": len(clean),
            "recall": 1 - len(missed) / len(identifying), "false_alarms": len(alarms) / len(clean),
            "missed": missed, "alarms": alarms}


def main() -> None:
    result = evaluate(load())
    print(f"{result['texts']} vignettes ({result['identifying']} identifying, {result['clean']} clean)")
    print(f"recall on identifying texts: {result['recall']:.3f} (target >= 0.95)")
    print(f"false alarms on clean texts: {result['false_alarms']:.3f} (target <= 0.10)")
    if "--misses" in sys.argv:
        for item in result["missed"]:
            print(f"missed {item['id']}: {item['text']}")
        for item in result["alarms"]:
            found = [(finding.kind, finding.text) for finding in find_identifiers(item["text"])]
            print(f"false alarm {item['id']}: {item['text']} -> {found}")


if __name__ == "__main__":
    main()
