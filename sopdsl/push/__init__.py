"""Pushing plans into the systems staff work in: CRMs, calendars, WeCom, webhooks.

Each target (one module here) turns plan tasks into requests; the runner sends them, keeps a
local ledger of what each system accepted and retries what failed, so a crash or a re-run
never duplicates work.
"""
