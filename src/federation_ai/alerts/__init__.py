"""Notifications: happenings (a freeze, a veto, stale data...) sent to channels by rule.

Derived from committed decisions (written with them, into the outbox) or observed by
the shell (adapter outages, bus lag, stale data), routed by ``[alerts]`` rules to
Apprise URLs and a signed JSON webhook, and delivered by a retrying relay of their
own: a receiver that is down never holds up a decision (docs/operations.md, Alerts).
"""
