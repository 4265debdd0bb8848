#!/usr/bin/env python3
"""Compare two decisions.jsonl files (expected vs actual), SPEC §4 form.

    python3 compare.py EXPECTED.jsonl ACTUAL.jsonl [--set-order] [--no-ids]
                       [--loose-symbols] [--max-diffs 20]

Each decision is reduced to a key: account_id, event_id, role_source,
decision_type, status, priority and decision_id, plus these payload fields
when present: mode, previous_mode, restored_mode, profile, previous_profile,
tier (0-3 or the name, both accepted), level, triggers (as a set), severity,
requires_manual_review, affected_subsystems (as a set), action,
overridden_type, overridden_role, overridden_decision_id, by, task_type,
model_name, policy, active_symbols, added, removed, role, enabled.  Numbers are
compared within a relative tolerance of 1e-9: model_weights (per model), the
five risk limits, previous_peak, new_peak, frozen_minutes.  Not compared:
reason, description, expected_impact, estimated_duration_hours, rule,
duration_minutes, frozen_since, the parameters that follow from a name
(profile, cashflow split, ESS thresholds), active_strategies, timestamp,
config_digest.

By default the two files are compared in file order: the decisions of one
event must appear in the normative order of SPEC §4 (priority, then role
rank, then generation order).  --set-order compares the decisions of one
event as a set; --no-ids leaves decision_id and overridden_decision_id out;
--loose-symbols compares only the number of active symbols.  (--strict-order
and --check-ids are accepted and do nothing: both are the default.)

The key sequences are aligned with difflib; the first differences are printed
with the neighbouring decisions as context, then "N of M decisions match".
Exit status 0 only when every decision matches and neither side has extras.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys

TIERS = ["NORMAL", "CAUTION", "WARNING", "EMERGENCY"]
ENVELOPE = ["account_id", "event_id", "role_source", "decision_type", "status", "priority"]
FIELDS = ["mode", "previous_mode", "restored_mode", "profile", "previous_profile", "tier",
          "level", "triggers", "severity", "requires_manual_review", "affected_subsystems",
          "action", "overridden_type", "overridden_role", "overridden_decision_id", "by",
          "task_type", "model_name", "policy", "active_symbols", "added", "removed", "role",
          "enabled"]
UNORDERED = {"triggers", "affected_subsystems"}
ID_FIELDS = {"decision_id", "overridden_decision_id"}
NUMBERS = ["max_leverage", "max_position_size_pct", "max_exposure_pct", "max_drawdown_pct",
           "stop_loss_multiplier", "previous_peak", "new_peak", "frozen_minutes"]
TOLERANCE = 1e-9


def load(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError as exc:
                    sys.exit(f"{path}:{lineno}: not JSON: {exc}")
    return out


def norm(value, field, loose_symbols):
    if field == "tier" and isinstance(value, int) and not isinstance(value, bool) \
            and 0 <= value < len(TIERS):
        return TIERS[value]
    if field == "tier" and isinstance(value, str):
        return value.upper()
    if field in UNORDERED and isinstance(value, list):
        return tuple(sorted(value))
    if field == "active_symbols" and isinstance(value, list):
        return len(value) if loose_symbols else tuple(value)
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


def key_of(d, args):
    p = d.get("payload") or {}
    k = [d.get("account_id", "default")] + [d.get(f) for f in ENVELOPE[1:]]
    if not args.no_ids:
        k.append(("decision_id", d.get("decision_id")))
    k += [(f, norm(p[f], f, args.loose_symbols)) for f in FIELDS
          if f in p and not (args.no_ids and f in ID_FIELDS)]
    if d.get("decision_type") == "research_task" and "model_name" not in p:
        k.append(("model_name", None))
    return tuple(k)


def canonical(decisions, args):
    """File order, unless --set-order: then sort the decisions of each event."""
    if not args.set_order:
        return decisions
    out, group, current = [], [], None
    for d in decisions:
        g = (d.get("account_id", "default"), d.get("event_id"))
        if g != current and group:
            out += sorted(group, key=lambda x: repr(key_of(x, args)))
            group = []
        current = g
        group.append(d)
    return out + sorted(group, key=lambda x: repr(key_of(x, args)))


def close(x, y):
    if x is None or y is None or isinstance(x, bool) or isinstance(y, bool):
        return x == y
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        return False
    return abs(x - y) <= TOLERANCE * max(1.0, abs(x), abs(y))


def numbers_equal(a, b):
    pa, pb = a.get("payload") or {}, b.get("payload") or {}
    bad = [f"{f}: {pa.get(f)!r} vs {pb.get(f)!r}" for f in NUMBERS
           if (f in pa or f in pb) and not (f in pa and f in pb and close(pa[f], pb[f]))]
    wa, wb = pa.get("model_weights"), pb.get("model_weights")
    if wa is not None or wb is not None:
        if not isinstance(wa, dict) or not isinstance(wb, dict) or set(wa) != set(wb):
            bad.append(f"model_weights keys {sorted(wa or {})} vs {sorted(wb or {})}")
        else:
            bad += [f"model_weights {m}: {wa[m]!r} vs {wb[m]!r}" for m in wa
                    if not close(wa[m], wb[m])]
    return not bad, "; ".join(bad)


def show(d):
    if d is None:
        return "-"
    p = d.get("payload") or {}
    fields = {f: p[f] for f in FIELDS if f in p and f != "overridden_decision_id"}
    return (f"[{d.get('account_id', 'default')}] {d.get('event_id')} {d.get('timestamp', '')} "
            f"p{d.get('priority')} {d.get('role_source')} {d.get('decision_type')} "
            f"{d.get('status')} {json.dumps(fields, default=str)} id={d.get('decision_id')}")


def main(argv=None):  # noqa: C901
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--set-order", action="store_true",
                    help="compare the decisions of one event as a set")
    ap.add_argument("--no-ids", action="store_true",
                    help="do not compare decision_id / overridden_decision_id")
    ap.add_argument("--loose-symbols", action="store_true",
                    help="compare only the number of active symbols")
    ap.add_argument("--strict-order", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--check-ids", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--max-diffs", type=int, default=20)
    args = ap.parse_args(argv)
    a = canonical(load(args.expected), args)
    b = canonical(load(args.actual), args)
    ka, kb = [key_of(d, args) for d in a], [key_of(d, args) for d in b]
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    diffs, matched = [], 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                ok, why = numbers_equal(a[i], b[j])
                if ok:
                    matched += 1
                else:
                    diffs.append((i, j, a[i], b[j], why))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i = i1 + k if i1 + k < i2 else None
            j = j1 + k if j1 + k < j2 else None
            why = {"replace": "differs", "delete": "missing in actual",
                   "insert": "extra in actual"}[tag]
            if tag == "replace" and (i is None or j is None):
                why = "missing in actual" if j is None else "extra in actual"
            diffs.append((i, j, a[i] if i is not None else None,
                          b[j] if j is not None else None, why))
    for n, (i, j, da, db, why) in enumerate(diffs[:args.max_diffs], 1):
        print(f"--- difference {n}: {why}")
        if i is not None and i > 0:
            print(f"    context  (expected #{i}): {show(a[i - 1])}")
        print(f"    expected #{'' if i is None else i + 1}: {show(da)}")
        print(f"    actual   #{'' if j is None else j + 1}: {show(db)}")
        if i is not None and i + 1 < len(a):
            print(f"    context  (expected #{i + 2}): {show(a[i + 1])}")
    if len(diffs) > args.max_diffs:
        print(f"... {len(diffs) - args.max_diffs} more differences not shown")
    total = max(len(a), len(b))
    print(f"{matched} of {total} decisions match (expected {len(a)}, actual {len(b)})")
    return 0 if matched == len(a) == len(b) else 1


if __name__ == "__main__":
    sys.exit(main())
