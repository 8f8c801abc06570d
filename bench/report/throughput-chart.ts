/**
 * Throughput against thread count, one line per contender, as an SVG file. Written by hand: an
 * SVG line chart with a handful of points is a few dozen lines of text, less than wiring up and
 * pinning a charting library (and a headless renderer for PNG) for the same picture.
 */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** Drawn dashed: a second set of lines (another corpus) in the same colours. */
  readonly dashed?: boolean;
  readonly points: ReadonlyArray<{ readonly threads: number; readonly value: number }>;
}

const WIDTH = 800;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 290, bottom: 56, left: 72 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step giving about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? raw;
}

export function throughputChart(
  series: readonly ChartSeries[],
  options: { title: string; yLabel: string; subtitle?: string },
): string {
  const threads = [...new Set(series.flatMap((s) => s.points.map((p) => p.threads)))].sort((a, b) => a - b);
  const maxValue = Math.max(...series.flatMap((s) => s.points.map((p) => p.value)), 1e-9);
  const step = tickStep(maxValue * 1.1);
  const top = Math.ceil((maxValue * 1.1) / step) * step;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) =>
    MARGIN.left +
    (threads.length === 1 ? plotWidth / 2 : (threads.indexOf(t) / (threads.length - 1)) * plotWidth);
  const y = (v: number) => MARGIN.top + plotHeight - (v / top) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  if (options.subtitle) {
    parts.push(`<text x="${MARGIN.left}" y="38" fill="#555">${escapeXml(options.subtitle)}</text>`);
  }
  for (let value = 0; value <= top + step / 2; value += step) {
    const label = Number.isInteger(step) ? value.toFixed(0) : value.toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(value) + 4}" text-anchor="end" fill="#333">${label}</text>`,
    );
  }
  for (const t of threads) {
    parts.push(
      `<text x="${x(t)}" y="${MARGIN.top + plotHeight + 20}" text-anchor="middle" fill="#333">${t}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle">threads (ragworker) / concurrency (BullMQ)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`,
  );
  series.forEach((s, index) => {
    const points = [...s.points].sort((a, b) => a.threads - b.threads);
    const path = points.map((p) => `${x(p.threads).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    const dash = s.dashed ? ' stroke-dasharray="7 5"' : "";
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${dash}/>`);
    for (const p of points) {
      parts.push(
        `<circle cx="${x(p.threads).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4" fill="${s.color}"/>`,
        `<text x="${(x(p.threads) + 7).toFixed(1)}" y="${(y(p.value) - 7).toFixed(1)}" fill="${s.color}">${p.value.toFixed(1)}</text>`,
      );
    }
    const legendY = MARGIN.top + 10 + index * 22;
    const legendX = MARGIN.left + plotWidth + 24;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2.5"${dash}/>`,
      `<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}
