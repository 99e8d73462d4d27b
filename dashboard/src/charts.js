// Small SVG charts drawn by hand: bars against a target line, and shares.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// One row per item: a bar for `achieved`, a mark at `target`, and the
// figures "achieved / target" at the end.
export function targetBars(items, { width = 640, labelWidth = 190 } = {}) {
  const rowHeight = 24;
  const figuresWidth = 70;
  const plot = width - labelWidth - figuresWidth;
  const max = Math.max(1, ...items.map((i) => Math.max(i.achieved, i.target)));
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${items.length * rowHeight + 4}`,
    class: "chart",
    role: "img",
  });
  items.forEach((item, row) => {
    const y = row * rowHeight + 2;
    const behind = item.target > 0 && item.achieved < item.target;
    svg.append(el("text", { x: labelWidth - 6, y: y + 15, "text-anchor": "end", class: "label" }, item.label));
    svg.append(el("rect", {
      x: labelWidth, y: y + 3, height: rowHeight - 8,
      width: Math.max(1, (plot * item.achieved) / max),
      class: behind ? "bar behind" : "bar",
    }));
    if (item.target > 0) {
      const x = labelWidth + (plot * item.target) / max;
      svg.append(el("line", { x1: x, x2: x, y1: y, y2: y + rowHeight - 2, class: "target" }));
    }
    svg.append(el("text", { x: labelWidth + plot + 6, y: y + 15, class: "figures" },
      item.figures ?? `${item.achieved} / ${item.target}`));
  });
  return svg;
}

// Horizontal bars of counts (the enterprise status summary).
export function countBars(items, { width = 720 } = {}) {
  return targetBars(
    items.map((i) => ({ label: i.label, achieved: i.count, target: 0, figures: String(i.count) })),
    { width, labelWidth: 280 });
}
