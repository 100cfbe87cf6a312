"""Fonts for pictures: a CJK-capable family first, so Chinese labels are drawn, not boxes.

Drawings (`sopdsl graph`) and forecast plots (`sopdsl simulate --out`) share this choice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from sopdsl.draw.labels import FONT_FAMILIES

FALLBACK_FONT = "DejaVu Sans"  # matplotlib's own font: no Chinese glyphs
FONT_ENV = "SOPDSL_FONT"  # a font file to draw with before any installed font
_CJK_FONT_FILE = re.compile(
    r"cjk|wqy|wenquanyi|sourcehan|notosans(sc|tc|hk|jp|kr)|notoserif(sc|tc)|msyh|simhei|simsun"
    r"|pingfang|droidsansfallback|uming|ukai", re.IGNORECASE,
)
NO_CJK_FONT = (
    "no installed font draws Chinese, so Chinese labels show as empty boxes; install one "
    f"(Debian/Ubuntu: apt-get install fonts-noto-cjk) or set {FONT_ENV} to a font file"
)

@contextlib.contextmanager
def drawing_fonts(rc: dict[str, Any] | None = None) -> Iterator[tuple[list[str], list[str]]]:
    """matplotlib settings with the chosen font families and every text drawn as written
    (`满$99减$10` is no formula); yields (families, notes)."""
    import matplotlib

    families, notes = font_families()
    settings = {"font.family": families, "text.parse_math": False, **(rc or {})}
    with matplotlib.rc_context(settings), _quiet_fonts():
        yield families, notes


def missing_font_note(families: list[str], texts: Iterable[str]) -> list[str]:
    """The note to show when Chinese text was drawn with a font that has no Chinese glyphs."""
    if families[0] == FALLBACK_FONT and any(_wide(text) for text in texts):
        return [NO_CJK_FONT]
    return []


def font_families() -> tuple[list[str], list[str]]:
    """The fonts to draw with, most wanted first (DejaVu Sans last), and notes on the choice.

    First the font file named by SOPDSL_FONT, then the installed CJK fonts of FONT_FAMILIES.
    When matplotlib knows none, the system's CJK font files are added: its font list is a
    cache, so a font installed after the cache was built is otherwise never seen.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    own, notes = _env_font(manager)
    wanted = [name for name in FONT_FAMILIES if name != FALLBACK_FONT]
    cjk = (_installed(manager, wanted) or _add_system_cjk_fonts(manager)
           or _add_packaged_cjk_font(manager))
    return [*own, *cjk, FALLBACK_FONT], notes


def _env_font(manager: Any) -> tuple[list[str], list[str]]:
    path = os.environ.get(FONT_ENV, "")
    if not path:
        return [], []
    try:
        count = len(manager.ttflist)
        manager.addfont(path)
        return [manager.ttflist[count].name], []
    except (OSError, RuntimeError, ValueError, IndexError):
        return [], [f"{FONT_ENV}={path} is not a font file that can be read; it was not used"]


def _installed(manager: Any, wanted: list[str]) -> list[str]:
    names = {font.name for font in manager.ttflist}
    return [name for name in wanted if name in names]


def _add_packaged_cjk_font(manager: Any) -> list[str]:
    """Noto Sans CJK from its PyPI package (a dependency), for machines with no CJK font."""
    try:
        import cvttf_NotoSansCJK_Regular as packaged

        path = packaged.get_TTF_path()
        count = len(manager.ttflist)
        manager.addfont(path)
        return [manager.ttflist[count].name]
    except (ImportError, OSError, RuntimeError, ValueError, IndexError):
        return []


def _add_system_cjk_fonts(manager: Any) -> list[str]:
    """The best system CJK font family (Sans SC first), adding files matplotlib does not know."""
    from matplotlib import font_manager

    known = {font.fname for font in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known and _is_cjk_file(path):
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                manager.addfont(path)
    names = dict.fromkeys(font.name for font in manager.ttflist if _is_cjk_file(font.fname))
    return sorted(names, key=lambda n: (" SC" not in n, "Serif" in n, "Mono" in n, n))[:1]


def _is_cjk_file(path: str) -> bool:
    return bool(_CJK_FONT_FILE.search(os.path.basename(path)))


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in text)


@contextlib.contextmanager
def _quiet_fonts() -> Iterator[None]:
    """Silence font fallback chatter (without a CJK font, every Chinese glyph would warn)."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            yield
    finally:
        logger.setLevel(level)
