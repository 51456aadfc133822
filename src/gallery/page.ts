// The gallery page: one self-contained HTML file. Thumbnails are data: URIs, the style and the
// script are inline and allowed by their hashes in a Content-Security-Policy that forbids every
// request, so the page works from file://, as a CI artifact or a mail attachment, and cannot
// reach the network. Each card links to its full image by a relative path.
import { createHash } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';
import type { GalleryItem } from './read.js';

/** In every gallery imgcli writes: how a later run knows it may replace the file. */
export const GENERATOR = 'imgcli gallery';

/** The value of the model filter for cards without provenance. */
const NO_PROVENANCE = '(none)';

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f6f4; --card: #ffffff; --text: #1d1d1f; --dim: #55555c; --line: #d8d8dc; --accent: #0b57d0; --focus: #0b57d0; --warn: #8a4b00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141416; --card: #1f1f23; --text: #ececf0; --dim: #a9a9b3; --line: #38383f; --accent: #8ab4f8; --focus: #8ab4f8; --warn: #f3b562; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { position: sticky; top: 0; z-index: 1; background: var(--bg); border-bottom: 1px solid var(--line); padding: 12px 20px; }
h1 { font-size: 18px; margin: 0 0 2px; }
.summary { margin: 0 0 10px; color: var(--dim); }
.controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; }
.controls label { display: flex; gap: 6px; align-items: center; color: var(--dim); }
input, select { font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
input[type=search] { width: min(380px, 70vw); }
kbd { font: 12px ui-monospace, monospace; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
main { padding: 16px 20px 40px; }
#grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; display: flex; flex-direction: column; content-visibility: auto; contain-intrinsic-size: auto 420px; }
.card[hidden] { display: none; }
.thumb { display: flex; align-items: center; justify-content: center; aspect-ratio: 1; background: repeating-conic-gradient(#8882 0 25%, #0000 0 50%) 0 0 / 16px 16px; outline: none; }
.thumb:focus-visible { box-shadow: inset 0 0 0 3px var(--focus); }
.card:focus-within { border-color: var(--focus); }
.thumb img { max-width: 100%; max-height: 100%; width: auto; height: auto; display: block; }
.thumb .none { color: var(--warn); padding: 20px; text-align: center; }
.body { padding: 10px 12px 12px; display: flex; flex-direction: column; gap: 6px; }
.prompt { margin: 0; overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
.prompt.missing { color: var(--warn); }
dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; color: var(--dim); font-size: 12.5px; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; color: var(--text); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.file { margin: 0; font-size: 12.5px; overflow-wrap: anywhere; }
a { color: var(--accent); }
#empty, .keys { color: var(--dim); }
`;

// Plain ES2017 for any browser: lazy thumbnails, filter, sort, keyboard; the view lives in the URL hash.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var grid = document.getElementById('grid');
  var q = document.getElementById('q');
  var model = document.getElementById('model');
  var sort = document.getElementById('sort');
  var count = document.getElementById('count');
  var empty = document.getElementById('empty');
  var cards = Array.prototype.slice.call(grid.children);

  // Thumbnails are decoded only when their card comes near the screen.
  function load(img) { img.src = img.getAttribute('data-src'); img.removeAttribute('data-src'); }
  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { observer.unobserve(e.target); load(e.target); } });
  }, { rootMargin: '800px 0px' }) : null;
  cards.forEach(function (card) {
    var img = card.querySelector('img[data-src]');
    if (img) { if (observer) observer.observe(img); else load(img); }
  });

  var num = function (card, key) { var v = card.getAttribute(key); return v === null || v === '' ? null : Number(v); };
  var byName = function (a, b) { return a.getAttribute('data-path').localeCompare(b.getAttribute('data-path'), undefined, { numeric: true, sensitivity: 'base' }); };
  // Cards without the value go last whichever way the sort runs.
  function byNumber(key, direction) {
    return function (a, b) {
      var x = num(a, key), y = num(b, key);
      if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
      return x === y ? byName(a, b) : (x - y) * direction;
    };
  }
  var ORDERS = { name: byName, newest: byNumber('data-created', -1), oldest: byNumber('data-created', 1), costly: byNumber('data-cost', -1), cheap: byNumber('data-cost', 1) };

  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = model.value;
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.getAttribute('data-search');
      var ok = (!wanted || card.getAttribute('data-model') === wanted) && words.every(function (w) { return text.indexOf(w) !== -1; });
      card.hidden = !ok;
      if (ok) shown++;
    });
    var all = cards.length + (cards.length === 1 ? ' image' : ' images');
    count.textContent = shown === cards.length ? all : shown + ' of ' + all;
    empty.hidden = shown !== 0;
  }
  function order() {
    var sorted = cards.slice().sort(ORDERS[sort.value] || byName);
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (card) { fragment.appendChild(card); });
    grid.appendChild(fragment);
  }
  function remember() {
    var parts = [];
    if (q.value) parts.push('q=' + encodeURIComponent(q.value));
    if (model.value) parts.push('model=' + encodeURIComponent(model.value));
    if (sort.value !== 'name') parts.push('sort=' + sort.value);
    history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search);
  }
  location.hash.slice(1).split('&').forEach(function (pair) {
    var i = pair.indexOf('=');
    if (i < 0) return;
    var key = pair.slice(0, i), value = decodeURIComponent(pair.slice(i + 1));
    if (key === 'q') q.value = value;
    if (key === 'model' && Array.prototype.some.call(model.options, function (o) { return o.value === value; })) model.value = value;
    if (key === 'sort' && Object.prototype.hasOwnProperty.call(ORDERS, value)) sort.value = value;
  });
  q.addEventListener('input', function () { apply(); remember(); });
  model.addEventListener('change', function () { apply(); remember(); });
  sort.addEventListener('change', function () { order(); remember(); });
  order();
  apply();

  // Arrows move between the visible cards as they sit in the grid; / finds; Escape clears.
  function visible() { return Array.prototype.filter.call(grid.children, function (c) { return !c.hidden; }); }
  function columns(list) {
    var top = list.length ? list[0].offsetTop : 0, n = 0;
    while (n < list.length && list[n].offsetTop === top) n++;
    return Math.max(1, n);
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var active = document.activeElement;
    if (e.key === '/' && active !== q) { e.preventDefault(); q.focus(); q.select(); return; }
    if (e.key === 'Escape' && active === q) { q.value = ''; apply(); remember(); q.blur(); return; }
    var card = active && active.closest ? active.closest('.card') : null;
    var list = visible();
    if (!list.length) return;
    if (!card) {
      if (e.key === 'ArrowDown' && active === q) { e.preventDefault(); list[0].querySelector('.thumb').focus(); }
      return;
    }
    var i = list.indexOf(card), step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(list), ArrowUp: -columns(list) }[e.key];
    var next = e.key === 'Home' ? 0 : e.key === 'End' ? list.length - 1 : step !== undefined ? i + step : -1;
    if (next < 0 || next >= list.length || (step === undefined && e.key !== 'Home' && e.key !== 'End')) return;
    e.preventDefault();
    var target = list[next].querySelector('.thumb');
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
  });
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const POLICY = `default-src 'none'; img-src data:; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; base-uri 'none'; form-action 'none'`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A relative URL from the gallery's folder to an image, each segment percent-encoded. */
export function hrefFrom(galleryDir: string, path: string): string {
  return relative(resolve(galleryDir), resolve(path)).split(sep).map(encodeURIComponent).join('/');
}

const iso = (created: number) => {
  const date = new Date(created * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString().replace(/\.000Z$/, 'Z') : undefined;
};
/** Dates in UTC, so a gallery reads the same wherever it is opened. */
const shown = (isoTime: string) => `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)} UTC`;
const dollars = (usd: number) => `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(3)}`;
const kb = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

function row(label: string, value: string | undefined): string {
  return value === undefined ? '' : `<dt>${label}</dt><dd>${value}</dd>`;
}

function card(item: GalleryItem, galleryDir: string): string {
  const a = item.about;
  const href = escapeHtml(hrefFrom(galleryDir, item.path));
  const path = escapeHtml(item.path);
  const dims = item.width !== undefined && item.height !== undefined ? `${item.width}x${item.height}` : undefined;
  const created = a ? iso(a.created) : undefined;
  const search = [item.path, a?.title, a?.prompt, a?.revisedPrompt, a?.model, a?.requestId, a ? '' : 'no provenance']
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const data = [
    `data-path="${path}"`,
    `data-model="${escapeHtml(a?.model ?? NO_PROVENANCE)}"`,
    `data-created="${a?.created ?? ''}"`,
    `data-cost="${a?.costUsd ?? ''}"`,
    `data-search="${escapeHtml(search)}"`,
  ].join(' ');
  const alt = escapeHtml(a?.title ?? a?.prompt ?? item.path);
  const picture = item.thumb
    ? `<img alt="${alt}" width="${item.thumb.width}" height="${item.thumb.height}" decoding="async" data-src="${item.thumb.uri}">`
    : `<span class="none">${escapeHtml(item.problem ?? 'no preview')}</span>`;
  const asked = a?.size && a.size !== dims ? ` (asked ${escapeHtml(a.size)})` : '';
  const details = a
    ? [
        row('Model', escapeHtml(a.model)),
        row('Size', dims && `${dims}${asked}`),
        row('Quality', a.quality && escapeHtml(a.quality)),
        row('Cost', a.offline ? 'offline: no cost' : a.costUsd !== undefined ? dollars(a.costUsd) : 'unknown'),
        row('Date', created && `<time datetime="${created}">${shown(created)}</time>`),
        row('Request', a.requestId && `<code>${escapeHtml(a.requestId)}</code>`),
      ].join('')
    : [row('Size', dims), row('Format', item.format), row('File size', kb(item.bytes))].join('');
  const prompt = a
    ? `<p class="prompt" title="${escapeHtml(a.revisedPrompt ?? a.prompt ?? '')}">${escapeHtml(a.title ?? '(no prompt)')}</p>`
    : '<p class="prompt missing">no provenance</p>';
  return [
    `<li class="card" ${data}>`,
    `<a class="thumb" href="${href}" title="Open ${path}">${picture}</a>`,
    `<div class="body">${prompt}<dl>${details}</dl><p class="file"><a href="${href}" tabindex="-1">${path}</a></p></div>`,
    '</li>',
  ].join('');
}

export interface PageOptions {
  title: string;
  /** The folder the page is written to: links are relative to it. */
  galleryDir: string;
  /** When the page was made (the run's clock). */
  now: Date;
  tool: string;
}

/** The whole page for the items, in the order given (the page sorts by name at first). */
export function renderGallery(items: GalleryItem[], opts: PageOptions): string {
  const withProvenance = items.filter((i) => i.about);
  const total = withProvenance.reduce((sum, i) => sum + (i.about!.costUsd ?? 0), 0);
  const models = [...new Set(withProvenance.map((i) => i.about!.model))].sort();
  const parts = [`${items.length} image${items.length === 1 ? '' : 's'}`, `${withProvenance.length} with provenance`];
  if (total > 0) parts.push(`about ${dollars(total)} estimated`);
  const offline = withProvenance.filter((i) => i.about!.offline).length;
  if (offline) parts.push(`${offline} made offline (no cost)`);
  parts.push(
    `made ${shown(iso(Math.floor(opts.now.getTime() / 1000)) ?? opts.now.toISOString())} by ${escapeHtml(opts.tool)}`,
  );
  const modelOptions = [
    '<option value="">all models</option>',
    ...models.map((m) => `<option value="${escapeHtml(m)}">${escapeHtml(m)}</option>`),
    ...(withProvenance.length < items.length ? [`<option value="${NO_PROVENANCE}">no provenance</option>`] : []),
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="generator" content="${GENERATOR} (${escapeHtml(opts.tool)})">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(opts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(opts.title)}</h1>
<p class="summary">${parts.join(' · ')}</p>
<div class="controls" role="search">
<label>Filter <input id="q" type="search" placeholder="prompt, file, model or request id" aria-keyshortcuts="/" autocomplete="off"></label>
<label>Model <select id="model">${modelOptions}</select></label>
<label>Sort <select id="sort"><option value="name">name</option><option value="newest">newest first</option><option value="oldest">oldest first</option><option value="costly">cost, highest first</option><option value="cheap">cost, lowest first</option></select></label>
<output id="count" aria-live="polite">${parts[0]}</output>
<span class="keys"><kbd>/</kbd> filter · arrows move · <kbd>Enter</kbd> opens</span>
</div>
</header>
<main>
<ol id="grid">
${items.map((i) => card(i, opts.galleryDir)).join('\n')}
</ol>
<p id="empty" hidden>No image matches.</p>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
