#!/usr/bin/env python3
"""Pairwise precision and recall of the project linking (econ_news/linking.py) on hand-labelled rows.

    python scripts/linking_figures.py                      # score the committed labels
    python scripts/linking_figures.py --show               # and list every predicted and missed pair
    python scripts/linking_figures.py --dump DIR [DIR ...] # print the project rows of curated folders as JSON
                                                           # (how tests/fixtures/linking/corpus_links.json began)

Labels: tests/fixtures/linking/corpus_links.json (the project rows of the corpus splits seeds, dev, dev2 as
`scripts/score_corpus.py seeds dev dev2 --out DIR` writes them, with which rows are the same real project)
and tests/fixtures/linking/series.json (series written for this project: one project reported at its
signing, start and opening; near-identical names of different projects). A pair is two rows; precision is
the share of predicted same-project pairs that are labelled same, recall the share of labelled pairs that
are predicted. Pairs labelled "unsure" count neither way.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "fixtures" / "linking"
LABEL_FILES = ("corpus_links.json", "series.json")


def mentions_of(labels: dict) -> list:
    """The labelled rows as linking input; a row's id is its "ref" (split/doc/name)."""
    from econ_news.linking import ProjectMention, article_place

    articles = labels["articles"]
    out = []
    for row in labels["rows"]:
        article = articles[row["article"]]
        out.append(ProjectMention(
            project_id=row["ref"], article_id=row["article"], name=row["name"], company=row.get("company"),
            investment_cny=row.get("investment_cny"), status=row.get("status"), phase=row.get("phase"),
            capacity=row.get("capacity"), evidence=row.get("evidence", ""),
            published_date=date.fromisoformat(article["published_date"]) if article.get("published_date") else None,
            article_place=article_place(article.get("title"), article.get("metric_codes", ())),
        ))
    return out


def label_pairs(labels: dict) -> tuple[set, set]:
    same = set()
    for group in labels["same"]:
        same.update(frozenset(p) for p in itertools.combinations(group["refs"], 2))
    unsure = {frozenset(p["refs"]) for p in labels.get("unsure", [])}
    return same, unsure


def score(labels: dict) -> dict:
    from econ_news.linking import assign

    assignment = assign(mentions_of(labels))
    by_master: dict[str, list[str]] = {}
    for ref, master in assignment.items():
        by_master.setdefault(master, []).append(ref)
    predicted = {frozenset(p) for refs in by_master.values() for p in itertools.combinations(sorted(refs), 2)}
    same, unsure = label_pairs(labels)
    predicted -= unsure
    tp = predicted & same
    return {
        "rows": len(labels["rows"]), "masters": len(by_master), "labelled_pairs": len(same),
        "predicted_pairs": len(predicted), "true_positives": len(tp),
        "precision": len(tp) / len(predicted) if predicted else 1.0,
        "recall": len(tp) / len(same) if same else 1.0,
        "false_merges": sorted(sorted(p) for p in predicted - same),
        "missed": sorted(sorted(p) for p in same - predicted),
    }


def dump(folders: list[Path]) -> dict:
    import pyarrow.dataset as ds

    articles, rows = {}, []
    for folder in folders:
        split = folder.name
        arts = ds.dataset(folder / "articles", partitioning="hive").to_table(
            columns=["article_id", "source_uri", "title", "published_date"]).to_pylist()
        metrics = ds.dataset(folder / "metrics", partitioning="hive").to_table(
            columns=["article_id", "entity_code"]).to_pylist()
        docs = {a["article_id"]: a for a in arts}
        for a in arts:
            articles[a["article_id"]] = {
                "doc": f"{split}/{a['source_uri'].rsplit('/', 1)[-1]}", "title": a["title"],
                "published_date": a["published_date"].isoformat() if a["published_date"] else None,
                "metric_codes": sorted(m["entity_code"] for m in metrics
                                       if m["article_id"] == a["article_id"] and m["entity_code"]),
            }
        projects = ds.dataset(folder / "projects", partitioning="hive").to_table().to_pylist()
        for p in sorted(projects, key=lambda p: (docs[p["article_id"]]["source_uri"], p["evidence_start"])):
            doc = articles[p["article_id"]]["doc"]
            rows.append({"ref": f"{doc}/{p['name']}", "article": p["article_id"], "name": p["name"],
                         **{k: p[k] for k in ("company", "investment_cny", "status", "phase", "capacity")
                            if p[k] is not None}})
    return {"articles": articles, "rows": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="list false merges and missed pairs")
    ap.add_argument("--dump", nargs="+", type=Path, metavar="DIR", help="print the project rows of curated folders")
    args = ap.parse_args()
    if args.dump:
        print(json.dumps(dump(args.dump), ensure_ascii=False, indent=1))
        return 0
    totals = {"predicted_pairs": 0, "true_positives": 0, "labelled_pairs": 0}
    for name in LABEL_FILES:
        result = score(json.loads((FIXTURES / name).read_text(encoding="utf-8")))
        for k in totals:
            totals[k] += result[k]
        print(f"{name:20s} rows={result['rows']:4d} masters={result['masters']:4d} "
              f"labelled pairs={result['labelled_pairs']:3d} predicted={result['predicted_pairs']:3d} "
              f"tp={result['true_positives']:3d} P={result['precision']:.3f} R={result['recall']:.3f}")
        if args.show:
            for pair in result["false_merges"]:
                print("  false merge:", " | ".join(pair))
            for pair in result["missed"]:
                print("  missed:     ", " | ".join(pair))
    p = totals["true_positives"] / totals["predicted_pairs"] if totals["predicted_pairs"] else 1.0
    r = totals["true_positives"] / totals["labelled_pairs"] if totals["labelled_pairs"] else 1.0
    print(f"{'all':20s} labelled pairs={totals['labelled_pairs']} predicted={totals['predicted_pairs']} "
          f"tp={totals['true_positives']} P={p:.3f} R={r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
