/** The report's inline stylesheet and script: no external URL, so the file opens offline. */

export const REPORT_CSS = `
:root{--ink:#1e1b2e;--muted:#64748b;--line:#e2e8f0;--bg:#f6f7fb;--card:#fff;--accent:#7c3aed;--warn-bg:#fff7ed;--warn:#c2410c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 24px 48px}
header.run{background:linear-gradient(120deg,#2e1065,#6d28d9 55%,#db2777);color:#fff;border-radius:14px;padding:22px 26px;margin-bottom:18px}
header.run h1{margin:0 0 4px;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.run .sub{opacity:.88;font-size:13px}
header.run .chips{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px}
.chip{display:inline-block;padding:2px 9px;border-radius:999px;background:rgba(255,255,255,.16);font-size:12px}
.chip b{font-weight:650}
.chip.est{background:#fed7aa;color:#7c2d12}
.banner{border-radius:10px;padding:10px 14px;margin:0 0 16px;font-size:13px}
.banner.estimate{background:var(--warn-bg);border:1px solid #fdba74;color:#7c2d12}
.banner.issues{background:#fef2f2;border:1px solid #fca5a5;color:#7f1d1d}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:10px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.card.est{background:var(--warn-bg);border-color:#fdba74}
.card .v{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.card .k{color:var(--muted);font-size:12px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;margin-bottom:16px}
section h2{font-size:16px;margin:0 0 2px;font-weight:650}
.note{color:var(--muted);font-size:12.5px;margin:0 0 10px;max-width:92ch}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px}
.grid2 section{margin-bottom:0}
.chart text{font-size:11.5px;fill:var(--ink)}
.chart .tick{fill:var(--muted);font-size:11px;font-variant-numeric:tabular-nums}
.chart .grid{stroke:#eef0f5;stroke-width:1}
.chart .axis{stroke:#94a3b8;stroke-width:1}
.timeline .band-bg{fill:#fafbfe}
.timeline .band-bg.odd{fill:#f3f4fa}
.timeline .band-label{font-weight:600;font-size:12px}
.timeline .band-id{fill:var(--muted);font-size:10.5px;font-family:ui-monospace,Menlo,Consolas,monospace}
.timeline .span text{font-size:11px;pointer-events:none}
.timeline .span rect{stroke:rgba(30,27,46,.18);stroke-width:.6}
.timeline .span.error rect{stroke:#dc2626;stroke-width:2}
.timeline .span:hover rect{stroke:var(--ink);stroke-width:1.6}
.power .layer{opacity:.9}
.power .mean{stroke:#1e1b2e;stroke-width:1.6;stroke-dasharray:5 3}
.power .hit{fill:transparent}
.power .hit:hover{fill:rgba(30,27,46,.06)}
.bars .bar-label{font-size:12px}
.bars .bar-value{font-size:12px;font-weight:600;font-variant-numeric:tabular-nums}
.bars .sub{fill:var(--muted);font-weight:400}
.bars .bar:hover rect{filter:brightness(1.12)}
.legend{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;margin:4px 0 8px;font-size:12px;color:var(--muted)}
.legend svg .tick{fill:var(--muted);font-size:11px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin-right:5px}
.swatch.none{background:#cbd5e1}
.swatch.err{background:#fff;border:2px solid #dc2626}
.swatch.dash{height:0;border-top:2px dashed #1e1b2e;border-radius:0;vertical-align:3px;width:18px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);font-size:13px}
th{color:var(--muted);font-weight:600;font-size:12px}
td.num{text-align:right;white-space:nowrap}
code.col{color:#94a3b8;font-size:11px;margin-left:4px}
td code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.kpis{columns:2;column-gap:28px}
.kpis table{break-inside:avoid}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:20px}
#oj-tip{position:fixed;z-index:10;pointer-events:none;background:#1e1b2e;color:#fff;border-radius:8px;padding:7px 10px;font-size:12px;white-space:pre-line;max-width:380px;box-shadow:0 6px 20px rgba(0,0,0,.25)}
@media (max-width:860px){.grid2{grid-template-columns:1fr}.cards{grid-template-columns:repeat(2,1fr)}.kpis{columns:1}}
`;

/**
 * Hover tooltips: elements with `data-tip` show it in a floating box, written with textContent (never HTML). Their
 * `<title>`s, which say the same, are removed so the browser's own tooltip does not double it; without scripts the
 * titles still work. Marks `<body data-enhanced>` when done.
 */
export const REPORT_SCRIPT = `
(function () {
  var tip = document.getElementById('oj-tip');
  var targets = document.querySelectorAll('[data-tip]');
  for (var i = 0; i < targets.length; i++) {
    var t = targets[i].querySelector(':scope > title');
    if (t) t.remove();
  }
  document.addEventListener('mousemove', function (e) {
    var el = e.target && e.target.closest ? e.target.closest('[data-tip]') : null;
    if (!el) { tip.hidden = true; return; }
    tip.textContent = el.getAttribute('data-tip');
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + w > window.innerWidth - 8) x = e.clientX - w - 14;
    if (y + h > window.innerHeight - 8) y = e.clientY - h - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
  document.body.setAttribute('data-enhanced', 'true');
})();
`;
