#!/usr/bin/env python3
"""The seed's hourly KPI logic (ml-intern scripts/build_kpis.py, /work/shared/seeds/004), for the side-by-side bench.

The functions below are the seed's, re-indented from the seed document with their logic untouched. The driver at the
bottom is ours: it reads the session rows of one file once (one row per line, unpacked as the seed's
``_download_session`` does), runs the seed's ``_filter_session_to_window`` + ``_session_metrics`` for each hour a
session has events in, and ``_aggregate`` per hour. That is Python's best case: the seed's own ``--hours 24`` loop
re-reads and re-filters every session of the day once per hour.

    python3 bench/rollup/seed_kpis.py SESSIONS.jsonl DAY_START_ISO [HOURS=24]

Prints one JSON object: seconds (reading included), maxRssMiB, rows (one per hour, {} for an hour with no session).
"""
from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

_FLAVOR_GPU_COUNT = {
    "cpu-basic": 0, "cpu-upgrade": 0, "t4-small": 1, "t4-medium": 1, "l4x1": 1, "l4x4": 4, "l40sx1": 1,
    "l40sx4": 4, "l40sx8": 8, "a10g-small": 1, "a10g-large": 1, "a10g-largex2": 2, "a10g-largex4": 4,
    "a100-large": 1, "a100x2": 2, "a100x4": 4, "a100x8": 8, "h100": 1, "h100x8": 8,
}


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * p
    f = int(k)
    c = min(f + 1, len(values) - 1)
    if f == c:
        return float(values[f])
    return float(values[f] + (values[c] - values[f]) * (k - f))


def _parse_ts(s: Any) -> datetime | None:
    if not s or not isinstance(s, str):
        return None
    try:
        dt = datetime.fromisoformat(s)
    except Exception:
        return None
    # Normalise to aware UTC so comparisons work against window bounds.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def _filter_session_to_window(session: dict, start: datetime, end: datetime) -> dict | None:
    events = session.get("events") or []
    in_window = []
    for ev in events:
        ts = _parse_ts(ev.get("timestamp"))
        if ts is None:
            continue
        if start <= ts < end:
            in_window.append(ev)
    if not in_window:
        return None
    return {**session, "events": in_window}


def _session_metrics(session: dict) -> dict:
    out: dict = {
        "sessions": 0, "turns": 0, "llm_calls": 0, "tokens_prompt": 0, "tokens_completion": 0,
        "tokens_cache_read": 0, "tokens_cache_creation": 0, "cost_usd": 0.0, "tool_calls_total": 0,
        "tool_calls_success": 0, "failures": 0, "regenerate_sessions": 0, "thumbs_up": 0, "thumbs_down": 0,
        "hf_jobs_submitted": 0, "hf_jobs_succeeded": 0, "hf_jobs_blocked": 0, "pro_cta_clicks": 0,
        "first_tool_s": -1,
    }
    events = session.get("events") or []
    messages = session.get("messages") or []
    turn_count = sum(1 for m in messages if m.get("role") == "user")
    out["turns"] = turn_count
    out["sessions"] = 1
    tool_success = 0
    tool_total = 0
    had_error = False
    had_undo = False
    first_tool_ts = None
    session_start = session.get("session_start_time")
    gpu_hours_by_flavor: dict[str, float] = defaultdict(float)
    jobs_submitted = 0
    jobs_succeeded = 0
    jobs_blocked = 0
    thumbs_up = 0
    thumbs_down = 0
    pro_cta_clicks = 0
    pro_cta_by_source: dict[str, int] = defaultdict(int)
    start_dt = _parse_ts(session_start)
    for ev in events:
        et = ev.get("event_type")
        data = ev.get("data") or {}
        ts = _parse_ts(ev.get("timestamp"))
        if et == "llm_call":
            out["llm_calls"] += 1
            out["tokens_prompt"] += int(data.get("prompt_tokens") or 0)
            out["tokens_completion"] += int(data.get("completion_tokens") or 0)
            out["tokens_cache_read"] += int(data.get("cache_read_tokens") or 0)
            out["tokens_cache_creation"] += int(data.get("cache_creation_tokens") or 0)
            out["cost_usd"] += float(data.get("cost_usd") or 0.0)
        elif et == "tool_output":
            tool_total += 1
            if data.get("success"):
                tool_success += 1
            if first_tool_ts is None and ts is not None and start_dt is not None:
                first_tool_ts = (ts - start_dt).total_seconds()
        elif et == "tool_call":
            if first_tool_ts is None and ts is not None and start_dt is not None:
                first_tool_ts = (ts - start_dt).total_seconds()
        elif et == "error":
            had_error = True
        elif et == "undo_complete":
            had_undo = True
        elif et == "feedback":
            rating = data.get("rating")
            if rating == "up":
                thumbs_up += 1
            elif rating == "down":
                thumbs_down += 1
        elif et == "hf_job_submit":
            jobs_submitted += 1
        elif et == "hf_job_complete":
            flavor = data.get("flavor") or "unknown"
            status = (data.get("final_status") or "").lower()
            wall = float(data.get("wall_time_s") or 0.0)
            gpus = _FLAVOR_GPU_COUNT.get(flavor, 0)
            gpu_hours_by_flavor[flavor] += wall * gpus / 3600.0
            if status in ("completed", "succeeded", "success"):
                jobs_succeeded += 1
        elif et == "jobs_access_blocked":
            jobs_blocked += 1
        elif et == "pro_cta_click":
            pro_cta_clicks += 1
            source = str(data.get("source") or "unknown")
            pro_cta_by_source[source] += 1
    out["tool_calls_total"] = tool_total
    out["tool_calls_success"] = tool_success
    out["failures"] = 1 if had_error else 0
    out["regenerate_sessions"] = 1 if had_undo else 0
    out["thumbs_up"] = thumbs_up
    out["thumbs_down"] = thumbs_down
    out["hf_jobs_submitted"] = jobs_submitted
    out["hf_jobs_succeeded"] = jobs_succeeded
    out["hf_jobs_blocked"] = jobs_blocked
    out["pro_cta_clicks"] = pro_cta_clicks
    out["first_tool_s"] = first_tool_ts if first_tool_ts is not None else -1
    out["_gpu_hours_by_flavor"] = dict(gpu_hours_by_flavor)
    out["_pro_cta_by_source"] = dict(pro_cta_by_source)
    out["_user"] = session.get("user_id") or session.get("session_id")
    return dict(out)


def _aggregate(per_session: list[dict]) -> dict:
    ttfa_values = [s["first_tool_s"] for s in per_session if s.get("first_tool_s", -1) >= 0]
    gpu_hours: dict[str, float] = defaultdict(float)
    pro_cta_by_source: dict[str, int] = defaultdict(int)
    for s in per_session:
        for f, h in (s.get("_gpu_hours_by_flavor") or {}).items():
            gpu_hours[f] += h
        for source, count in (s.get("_pro_cta_by_source") or {}).items():
            pro_cta_by_source[source] += int(count)
    total_sessions = sum(s["sessions"] for s in per_session)
    total_turns = sum(s["turns"] for s in per_session)
    tokens_prompt = sum(s["tokens_prompt"] for s in per_session)
    tokens_cache_read = sum(s["tokens_cache_read"] for s in per_session)
    tool_total = sum(s["tool_calls_total"] for s in per_session)
    tool_success = sum(s["tool_calls_success"] for s in per_session)
    unique_users = {s.get("_user") for s in per_session if s.get("_user")}
    return {
        "sessions": total_sessions,
        "users": len(unique_users),
        "turns": total_turns,
        "llm_calls": int(sum(s["llm_calls"] for s in per_session)),
        "tokens_prompt": int(tokens_prompt),
        "tokens_completion": int(sum(s["tokens_completion"] for s in per_session)),
        "tokens_cache_read": int(tokens_cache_read),
        "tokens_cache_creation": int(sum(s["tokens_cache_creation"] for s in per_session)),
        "cost_usd": round(sum(s["cost_usd"] for s in per_session), 4),
        "cache_hit_ratio": round(tokens_cache_read / (tokens_cache_read + tokens_prompt), 4)
        if (tokens_cache_read + tokens_prompt) > 0 else 0.0,
        "tool_success_rate": round(tool_success / tool_total, 4) if tool_total > 0 else 0.0,
        "failure_rate": round(sum(s["failures"] for s in per_session) / total_sessions, 4) if total_sessions > 0 else 0.0,
        "regenerate_rate": round(sum(s["regenerate_sessions"] for s in per_session) / total_sessions, 4)
        if total_sessions > 0 else 0.0,
        "time_to_first_action_s_p50": round(_percentile(ttfa_values, 0.5), 2),
        "time_to_first_action_s_p95": round(_percentile(ttfa_values, 0.95), 2),
        "thumbs_up": int(sum(s["thumbs_up"] for s in per_session)),
        "thumbs_down": int(sum(s["thumbs_down"] for s in per_session)),
        "hf_jobs_submitted": int(sum(s["hf_jobs_submitted"] for s in per_session)),
        "hf_jobs_succeeded": int(sum(s["hf_jobs_succeeded"] for s in per_session)),
        "hf_jobs_blocked": int(sum(s["hf_jobs_blocked"] for s in per_session)),
        "pro_cta_clicks": int(sum(s["pro_cta_clicks"] for s in per_session)),
        "gpu_hours_by_flavor_json": json.dumps(dict(gpu_hours), sort_keys=True),
        "pro_cta_by_source_json": json.dumps(dict(pro_cta_by_source), sort_keys=True),
    }


def _unpack_row(line: str) -> dict | None:
    """The seed's ``_download_session`` after its file read: one row, string fields unpacked."""
    line = line.strip()
    if not line:
        return None
    row = json.loads(line)
    for key in ("messages", "events", "tools"):
        v = row.get(key)
        if isinstance(v, str):
            try:
                row[key] = json.loads(v)
            except Exception:
                row[key] = []
    return row


def main(path: str, day_start_iso: str, hours: int) -> None:
    t0 = time.perf_counter()
    day_start = datetime.fromisoformat(day_start_iso)
    starts = [day_start + timedelta(hours=h) for h in range(hours)]
    per_hour: list[list[dict]] = [[] for _ in range(hours)]
    with open(path, "r") as f:
        for line in f:
            sess = _unpack_row(line)
            if not sess:
                continue
            touched = set()
            for ev in sess.get("events") or []:
                ts = _parse_ts(ev.get("timestamp"))
                if ts is not None:
                    h = int((ts - day_start).total_seconds() // 3600)
                    if 0 <= h < hours:
                        touched.add(h)
            for h in sorted(touched):
                windowed = _filter_session_to_window(sess, starts[h], starts[h] + timedelta(hours=1))
                if windowed is not None:
                    per_hour[h].append(_session_metrics(windowed))
    rows = [_aggregate(p) if p else {} for p in per_hour]
    seconds = time.perf_counter() - t0
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxRssMiB": max_rss_mib, "rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 24)
