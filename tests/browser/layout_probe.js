// What a person would see as broken on the page (see layout_probe.py).
const out = [];
const rect = el => el.getBoundingClientRect();
const shown = el => { const r = rect(el); return r.width > 1 && r.height > 1
    && getComputedStyle(el).visibility !== 'hidden' && el.offsetParent !== null; };
const overlap = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
    * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
const name = el => el.id ? '#' + el.id : el.className.toString().slice(0, 40);
const page = document.documentElement;
const failed = document.getElementById('shell-error');  // callbacks/errors.py's notice
if (failed && failed.innerText.trim())
  out.push(`a callback failed: "${failed.innerText.trim().slice(0, 60)}"`);
if (page.scrollWidth > window.innerWidth + 1)
  out.push(`page is ${page.scrollWidth}px wide in a ${window.innerWidth}px window`);
for (const g of document.querySelectorAll('.dash-graph')) {
  const svg = g.querySelector('.main-svg');
  if (!svg || !shown(g) && !shown(svg)) continue;
  const box = rect(g), plot = rect(svg);
  if (box.height + 1 < plot.height)
    out.push(`${name(g)}: container ${Math.round(box.height)}px tall, plot ${Math.round(plot.height)}px`);
  const title = g.querySelector('.gtitle');
  const bar = g.querySelector('.modebar');
  if (title && bar && overlap(rect(title), rect(bar)) > 4)
    out.push(`${name(g)}: title "${title.textContent.slice(0, 40)}" under the mode bar`);
  const legend = g.querySelector('.legend');
  if (legend && shown(legend)) {
    const l = rect(legend);
    const covered = [...g.querySelectorAll('.gtitle, .xtitle, .ytitle, .g-xtitle text, .g-ytitle text')]
      .filter(t => overlap(l, rect(t)) > 4);
    if (covered.length) out.push(`${name(g)}: legend over "${covered[0].textContent.slice(0, 40)}"`);
    // A legend key may touch the plot's frame (a few pixels); over the curves it may not.
    const area = g.querySelector('.nsewdrag');
    const inner = area && rect(area);
    const deep = inner && { left: inner.left, right: inner.right, top: inner.top + 8, bottom: inner.bottom };
    if (deep && [...legend.querySelectorAll('.traces')].some(t => overlap(rect(t), deep) > 4))
      out.push(`${name(g)}: legend drawn over the plot`);
  }
  // Words a person cannot read: cut at the figure's edge, or written over each other.
  const edge = rect(svg);
  const texts = [...g.querySelectorAll(
    '.gtitle, .legendtext, .annotation-text, .xtick text, .ytick text, .g-xtitle text, .g-ytitle text')]
    .filter(t => shown(t) && t.textContent.trim());
  for (const t of texts) {
    const r = rect(t);
    if (r.left < edge.left - 1 || r.right > edge.right + 1)
      out.push(`${name(g)}: text cut at the figure's edge: "${t.textContent.slice(0, 40)}"`);
  }
  const labels = texts.filter(t => !t.closest('.xtick, .ytick'));
  for (let i = 0; i < texts.length; i++)
    for (const other of labels)
      if (other !== texts[i] && overlap(rect(texts[i]), rect(other)) > 4
          && !(texts[i].closest('.legend') && other.closest('.legend')))
        out.push(`${name(g)}: "${texts[i].textContent.slice(0, 30)}" written over "${other.textContent.slice(0, 30)}"`);
}
const cards = [...document.querySelectorAll('.card')]
  .filter(c => shown(c) && !c.parentElement.closest('.card'));
for (let i = 0; i < cards.length; i++)
  for (let j = i + 1; j < cards.length; j++)
    if (overlap(rect(cards[i]), rect(cards[j])) > 4)
      out.push(`cards overlap: "${cards[i].innerText.slice(0, 30)}" and "${cards[j].innerText.slice(0, 30)}"`);
for (const cell of document.querySelectorAll('.ag-cell')) {
  const value = cell.querySelector('.ag-cell-value') || cell;
  const grid = cell.closest('.ag-body-viewport') || cell.closest('.ag-root');
  if (!shown(cell) || !grid) continue;
  const c = rect(cell), v = rect(grid);
  const inView = c.left >= v.left - 1 && c.right <= v.right + 1;
  if (inView && value.scrollWidth > value.clientWidth + 1)
    out.push(`grid cell cut: "${cell.innerText.slice(0, 30)}" (${cell.getAttribute('col-id')})`);
}
return [...new Set(out)];
