"""Screenshots of the running page at a phone, a laptop and a desktop size, for a human to look at.

`python scripts/screens.py --url duckdb:////path/demo.duckdb [--out DIR] [--query region=R1]`
starts the page on that warehouse and writes one PNG per size (first screen and full page).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.servers import streamlit_server  # noqa: E402

FIND = ("const el = [...document.querySelectorAll('*')].find(e => e.scrollHeight > "
        "e.clientHeight + 10 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)) "
        "|| document.scrollingElement;")
SCROLLER_JS = ("() => { " + FIND + " return {tag: el.tagName, id: el.dataset.testid || '', "
               "height: el.scrollHeight, page_width: document.documentElement.scrollWidth}; }")
SIZES = {"phone": (390, 844, 3, True), "laptop": (1440, 900, 1, False),
         "desktop": (1920, 1080, 1, False)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", default="test-artifacts/screens")
    ap.add_argument("--query", default="")
    ap.add_argument("--screens", type=int, default=4)
    ap.add_argument("--sizes", default=",".join(SIZES))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    actions = f"sqlite:///{tempfile.mkdtemp()}/actions.sqlite"
    env = dict(os.environ, CX_WAREHOUSE_URL=args.url, CX_ACTIONS_URL=actions)
    with streamlit_server(ROOT / "dashboard" / "app.py", ROOT, env) as server, \
            sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name in args.sizes.split(","):
            w, h, scale, touch = SIZES[name]
            ctx = b.new_context(viewport={"width": w, "height": h}, device_scale_factor=scale,
                                has_touch=touch, is_mobile=touch)
            pg = ctx.new_page()
            pg.goto(server.base + ("?" + args.query if args.query else ""))
            pg.wait_for_selector(".cx-tile", timeout=90_000)
            pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                                 " && !document.querySelector('.cx-verdict').innerText"
                                 ".includes('testing the')", timeout=90_000)
            pg.wait_for_timeout(1500)
            tag = name + ("-" + args.query.replace("=", "_").replace("&", "-") if args.query
                          else "")
            pg.screenshot(path=str(out / f"{tag}.png"))
            # Streamlit scrolls its main block, not the document: one shot per screenful
            info = pg.evaluate(SCROLLER_JS)
            print(name, info)
            for i in range(1, min(args.screens, 1 + int(info["height"] // h))):
                pg.evaluate(f"() => {{ {FIND} el.scrollTop = {i * (h - 80)}; }}")
                pg.wait_for_timeout(400)
                pg.screenshot(path=str(out / f"{tag}-{i}.png"))
            print(out / f"{tag}.png")
            ctx.close()
        b.close()


if __name__ == "__main__":
    main()
