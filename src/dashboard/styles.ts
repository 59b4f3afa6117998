/**
 * The dashboard's stylesheet, served at /dashboard/assets/dashboard.css. It
 * lives in a module rather than a .css file so that `tsc` carries it into
 * dist/ and the service needs no asset copying step (see docs/dashboard.md).
 */
export const DASHBOARD_CSS = String.raw`
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1b1f24; --muted: #5b6470; --line: #d9dee5;
  --accent: #2458c6; --accent-text: #fff; --good: #1d7f4e; --bad: #b42318;
  --bar: #2458c6; --bar-2: #9aa6b8; --focus: #f5a623;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151a; --panel: #1b2027; --text: #e6e9ee; --muted: #9aa4b2; --line: #2e3642;
    --accent: #6c9cff; --accent-text: #0b1020; --good: #4cc38a; --bad: #ff7a6b;
    --bar: #6c9cff; --bar-2: #5d6878;
  }
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; font: 1rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.25rem; background: var(--panel); border-bottom: 1px solid var(--line); }
.top h1 { font-size: 1.15rem; margin: 0; }
.tabs { display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
.tabs a { display: inline-block; padding: .4rem .8rem; border-radius: 6px; text-decoration: none; color: var(--text); }
.tabs a[aria-current="page"] { background: var(--accent); color: var(--accent-text); }
.key { margin-left: auto; }
.key summary { cursor: pointer; padding: .3rem 0; }
.key form { position: absolute; right: 1rem; z-index: 5; width: min(26rem, calc(100vw - 2rem)); background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem; box-shadow: 0 6px 24px rgb(0 0 0 / .15); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
.js .view:not(.active) { display: none; }
h2 { margin: .3rem 0 .2rem; font-size: 1.35rem; }
h2:focus { outline: none; }
h3 { margin: 0 0 .5rem; font-size: 1rem; }
.lede { color: var(--muted); margin: 0 0 .8rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: 0 0 1rem; }
figure.panel { margin: 0 0 1rem; }
figcaption { font-weight: 600; margin-bottom: .5rem; }
.row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.row > .field { flex: 1 1 10rem; }
.field { margin: 0 0 .6rem; }
.field label { display: block; font-weight: 600; margin-bottom: .2rem; font-size: .92rem; }
fieldset.inline { border: 0; padding: 0; margin: 0 0 .6rem; display: flex; gap: 1rem; flex-wrap: wrap; }
fieldset.inline legend { font-weight: 600; font-size: .92rem; padding: 0; margin-bottom: .2rem; }
input[type="text"], input[type="search"], input[type="password"], input[type="number"], select, textarea {
  width: 100%; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .4rem .5rem;
}
textarea { resize: vertical; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary, .pager button, td button { background: transparent; color: var(--accent); }
button.danger { border-color: var(--bad); color: var(--bad); background: transparent; }
button:disabled { opacity: .5; cursor: default; }
.actions { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: 0 0 .6rem; }
.hint, .muted { color: var(--muted); font-size: .88rem; font-weight: normal; }
.hint { margin: .2rem 0 0; }
.status { min-height: 1.4em; margin: .2rem 0 .8rem; }
.status.error { color: var(--bad); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .6rem; margin: 0 0 .8rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; display: flex; flex-direction: column; min-width: 0; }
.card-label { color: var(--muted); font-size: .85rem; }
.card-value { font-size: 1.3rem; font-weight: 700; overflow-wrap: anywhere; }
.card-sub { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
.reason { background: var(--panel); border-left: 4px solid var(--accent); padding: .5rem .8rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
.grid.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); gap: 0 1rem; }
.bars svg, .chart svg { display: block; width: 100%; height: auto; }
.bars text, .chart text { font: 12px system-ui, sans-serif; fill: var(--text); }
.bars .track { fill: var(--line); }
.bars .fill { fill: var(--bar-2); }
.bars .fill.top { fill: var(--bar); }
.chart .axis { stroke: var(--line); }
.chart .bar { fill: var(--bar); }
.chart .bar.baseline { fill: var(--bar-2); }
.chart .muted-text { fill: var(--muted); }
.legend { display: flex; gap: 1rem; font-size: .85rem; color: var(--muted); margin: .3rem 0; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; margin-right: .3rem; background: var(--bar); }
.swatch.baseline { background: var(--bar-2); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); }
tbody th { font-size: inherit; color: inherit; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { min-width: 14rem; overflow-wrap: anywhere; }
td.col-source { font-size: .82rem; overflow-wrap: anywhere; max-width: 13rem; }
td.col-actions { width: 1%; }
td.col-actions .actions { margin: 0; flex-wrap: nowrap; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: 4px; border: 1px solid var(--line); font-size: .82rem; white-space: nowrap; }
.tag.conflict { border-color: #b45309; color: #b45309; font-weight: 600; }
tr.conflicted td { background: rgba(180, 83, 9, .08); }
.candidates { margin: 0; padding-left: 1.4rem; }
.candidates li { margin: .15rem 0; }
.candidates .chosen { font-weight: 700; }
.unavailable { color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.pager { display: flex; align-items: center; gap: .8rem; justify-content: center; margin: 0 0 1rem; }
dialog { border: 1px solid var(--line); border-radius: 10px; background: var(--panel); color: var(--text); width: min(34rem, calc(100vw - 2rem)); }
dialog::backdrop { background: rgb(0 0 0 / .4); }
ul { margin: 0 0 .4rem; padding-left: 1.2rem; }
@media (max-width: 40rem) {
  html { font-size: 14px; }
  .top { padding: .5rem .8rem; }
  main { padding: .8rem .8rem 2rem; }
  .key { margin-left: 0; }
  .key form { left: .5rem; right: .5rem; width: auto; }
  td.text { min-width: 10rem; }
  th.hide-narrow, td.hide-narrow { display: none; }
  /* The exemplar table becomes one card per exemplar: the text gets the full width, the buttons stay in view. */
  #exemplar-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  #exemplar-table tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem .6rem; padding: .55rem 0; border-bottom: 1px solid var(--line); }
  #exemplar-table td { border: 0; padding: 0; }
  #exemplar-table td.col-id::before { content: "#"; }
  #exemplar-table td.text { order: 1; flex-basis: 100%; min-width: 0; }
  #exemplar-table td.col-actions { order: 2; flex-basis: 100%; }
  #exemplar-table td.col-actions .actions { margin: 0; }
  #exemplar-table caption { text-align: left; }
}
`;
