"""CI's accuracy guard: value F1 on TimeBank and AQUAINT must not fall below the committed floor.

    .venv/bin/python benchmarks/accuracy_guard.py [TIMEML_DIR]

TIMEML_DIR defaults to ../shared/data/timeml (relative to the repository). When it is absent
the guard says so and passes: the data is evaluation data that the repository must not carry.
Each corpus is scored on its own; the floors live in accuracy_floor.json next to this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from timeline.evaluate import evaluate

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "timeml"
FLOORS = HERE / "accuracy_floor.json"


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if not data.is_dir():
        print(f"accuracy guard skipped: no TimeML data at {data}")
        return 0
    floors: dict[str, float] = json.loads(FLOORS.read_text(encoding="utf-8"))["value_f1"]
    failed = []
    for corpus, floor in sorted(floors.items()):
        report = evaluate([data / corpus])
        value_f1 = report.value_f1 * 100
        verdict = "ok" if value_f1 >= floor else "BELOW FLOOR"
        print(f"{corpus:10} value F1 {value_f1:6.2f}  relaxed span F1 "
              f"{report.relaxed.f1 * 100:6.2f}  floor {floor:6.2f}  {verdict}")  # fmt: skip
        if value_f1 < floor:
            failed.append(corpus)
    if failed:
        print(f"value F1 fell below the floor on {', '.join(failed)}; the error list of "
              "format_report(evaluate([folder]), errors=True) shows what changed")  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
