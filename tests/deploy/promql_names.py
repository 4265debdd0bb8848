"""The metric names a PromQL expression reads (for checking rules and dashboards).

Not a PromQL parser: it removes what is not a metric name (strings, label matchers,
ranges, grouping clauses, template variables), then keeps every identifier that is
not a function call or a keyword.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
# Grafana's template query: the second argument is a label, not a metric
_LABEL_VALUES = re.compile(r"\blabel_values\s*\(\s*([^,()]+?)\s*,\s*\w+\s*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan"})


def metric_names(expr: str) -> set[str]:
    text = _LABEL_VALUES.sub(r"\1", expr)
    for pattern in (_STRING, _VARIABLE, _MATCHERS, _RANGE, _GROUPING):
        text = pattern.sub(" ", text)
    return {m for m in _IDENTIFIER.findall(text) if m.lower() not in _KEYWORDS}
