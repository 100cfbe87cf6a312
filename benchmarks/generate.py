"""Generate benchmark playbooks: one big file and a folder of small ones, valid and import-free.

Each file is its own compilation unit: it declares every role, attribute, event, content and
segment its journeys use, so it checks clean. The mix covers every declaration, trigger, clause
and step of the language, plus a scenario, with CJK text and comments as operators write them.

    python benchmarks/generate.py OUT_DIR [--lines 10000] [--files 500]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

HEADER = '''playbook "Retail private domain" {
  timezone "Asia/Shanghai"
  quiet_hours 21:30-09:00
  frequency_cap 3 per 7d
  mass_quota 4 per month
  stages visitor, prospect, profiled, intent, pending, won
}

'''

# One module of declarations and journeys; {i} makes every name unique within a file.
DECLARATIONS = '''# ---- module {i} ----
role guide_{i} "导购"
role sales_{i} "销售顾问"
attribute vehicle_age_{i}: number
attribute level_{i}: enum("silver", "gold", "black")
event webinar_{i}
content hello_{i}: text """您好,我是您的专属顾问 {{owner.name}}"""
content article_{i}: article "保险小白必修课" {{ purpose awareness  url "https://example.com/c{i}" }}
content coupon_{i}: coupon "满200减20" {{ purpose choice  value 20  valid 7d }}
content case_{i}: poster "客户案例"
segment vip_{i} = tag "VIP" and count(purchase, 90d) >= 2
segment active_{i} = days_since(click) < 14 or vip_{i} or sum(purchase.amount, 365d) > 500

'''
ONBOARDING = '''journey onboarding_{i} "新好友7天培育" {{
  when friend_added or webinar_{i}
  audience not tag "employee" and age in 18..70
  reentry after 30d
  goal first_order: purchase within 30d
  exit on friend_deleted
  exit when tag "blacklist"
  priority 5
  cap 2 per 7d
  send hello_{i} via private_chat
  d1: wait 1d at 10:00
  send article_{i} via private_chat by guide_{i}
  wait for click(article_{i}) or reply within 2d {{
    then {{ score +10  stage profiled  tag "engaged" }}
    timeout {{ send article_{i} via moments }}
  }}
  if score >= 10 and stage >= profiled {{
    task sales_{i} "电话回访,了解需求" with article_{i} due 1d
    handoff sales_{i}
  }} elif vip_{i} {{
    notify guide_{i} "VIP 新客,请当天跟进"
  }} else {{
    repeat 3 every 7d {{ send case_{i} via group }}
  }}
  split coupon_test {{
    50% control {{ }}
    50% coupon {{ send coupon_{i} via private_chat by guide_{i} }}
  }}
}}

'''
CARE = '''journey care_{i} {{
  when birthday - 3d at 10:00 or every monday at 10:00 or inactive 14d
  audience level_{i} == "gold" and vehicle_age_{i} * 2 > 3
  send coupon_{i} via sms at 10:30
  wait until friday at 09:30
  set vehicle_age_{i} = 4
  untag "dormant"
  repeat every 7d until count(purchase, 7d) >= 1 max 4 {{ send case_{i} via private_chat }}
  wait until 20:00
  enter onboarding_{i}
}}

'''
MODULE = DECLARATIONS + ONBOARDING + CARE

SCENARIO = '''scenario baseline {
  start 2026-12-01  horizon 90d  replications 20  seed 42
  population 20000 {
    arrivals 300/day
    owner guide_0
    attribute gender: "female" 62%, "male" 38%
    attribute age: normal(32, 8) in 18..70
    tag "VIP" 8%
    stage visitor 70%, prospect 30%
    history purchase: poisson(0.6) within 365d
  }
  staff guide_0 40 { capacity 60/day  completion 85%  delay exponential(2h)  hours 09:00-21:00 }
  channel private_chat { open 70%  click 18%  reply 6%  unfriend 0.2% }
  purpose choice { click x1.3  purchase x2 }
  purchase { daily 0.2%  after_click 8% within 3d  value lognormal(300, 0.6) }
  fatigue { above 3 per 7d: unfriend x3  open x0.7 }
  effect vip_0 { purchase x2.5  open x1.2 }
  cost { per_arrival 25  per_send 0.02 }
}
'''


def playbook_text(lines: int) -> str:
    """A valid playbook of about `lines` lines (at least one module and the scenario)."""
    fixed = canonical(HEADER + SCENARIO).count("\n")
    per_module = canonical(HEADER + MODULE.format(i=0)).count("\n") - canonical(HEADER).count("\n")
    modules = max(1, round((lines - fixed) / per_module))
    return canonical(HEADER + "".join(MODULE.format(i=i) for i in range(modules)) + SCENARIO)


def small_playbook_text(n: int) -> str:
    """A valid playbook of 40-60 lines: declarations and one of the two journeys."""
    if n % 2 == 0:
        return canonical(HEADER + (DECLARATIONS + ONBOARDING).format(i=0))
    return canonical(HEADER + (DECLARATIONS + CARE.replace("  enter onboarding_{i}\n", "")).format(i=0))


def canonical(text: str) -> str:
    """The text as `sopdsl fmt` writes it, so `fmt --check` finds nothing to change."""
    from sopdsl.fmt.formatter import format_text

    result = format_text(text)
    if result.text is None:
        raise ValueError(f"generated playbook does not parse: {result.diagnostics[:3]}")
    return result.text


def _write(path: Path, text: str) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def write_big_file(folder: Path, lines: int = 10_000) -> Path:
    """Write `big.sop` of about `lines` lines into `folder` and return its path."""
    path = folder / "big.sop"
    _write(path, playbook_text(lines))
    return path


def write_small_files(folder: Path, count: int = 500) -> Path:
    """Write `count` playbooks of about 50 lines into `folder/small/` (nested in groups)."""
    small = folder / "small"
    texts = [small_playbook_text(0), small_playbook_text(1)]
    for n in range(count):
        _write(small / f"group{n // 100}" / f"playbook{n:04d}.sop", texts[n % 2])
    return small


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    big = write_big_file(args.out, args.lines)
    small = write_small_files(args.out, args.files)
    print(f"{big}: {big.read_text(encoding='utf-8').count(chr(10))} lines")
    print(f"{small}: {args.files} files")


if __name__ == "__main__":
    main()
