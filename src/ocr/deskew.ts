import sharp from "./sharp.js";

import type { GreyPage } from "./grey-page.js";

/** Scanners and phones tilt pages by a few degrees; a page turned further is a layout tesseract handles. */
const MAX_SKEW_DEGREES = 5;
const COARSE_STEP = 0.25;
const FINE_STEP = 0.05;
/** Below this the lines are straight enough for tesseract, and rotating would only blur the glyphs. */
const MIN_CORRECTION_DEGREES = 0.3;
/** The measurement looks at about this many columns: enough dark pixels per text line, a few ms per page. */
export const SKEW_SAMPLE_WIDTH = 800;
const DARK = 128;
/** The best angle must sharpen the line profile by this much over none, or the page has no lines to go by. */
const MIN_GAIN = 1.1;

/**
 * The page's skew in degrees (positive: turned clockwise, its lines falling to the right), by the projection profile:
 * text lines give a row histogram of sharp peaks only when the rows are taken along the lines, so
 * the angle that maximises the sum of the squared row counts of dark pixels is the lines' angle.
 * Measured on a subsample of the pixels. 0 when no angle within ±5° beats level by `MIN_GAIN` (a
 * photo, a blank page). Written here: neither sharp nor tesseract's CLI offers it, and it is a page
 * of arithmetic.
 */
export function measureSkew(page: GreyPage): number {
  const step = Math.max(1, Math.ceil(page.width / SKEW_SAMPLE_WIDTH));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < page.height; y += step) {
    const row = y * page.width;
    for (let x = 0; x < page.width; x += step) {
      if ((page.pixels[row + x] ?? 255) < DARK) {
        xs.push(x / step);
        ys.push(y / step);
      }
    }
  }
  if (xs.length === 0) return 0;
  const rows = Math.ceil(page.height / step);
  const columns = Math.ceil(page.width / step);
  const margin = Math.ceil(columns * Math.tan((MAX_SKEW_DEGREES * Math.PI) / 180)) + 1;
  const bins = new Float64Array(rows + 2 * margin);
  const score = (degrees: number): number => {
    const slope = Math.tan((degrees * Math.PI) / 180);
    bins.fill(0);
    for (let index = 0; index < xs.length; index += 1) {
      const bin = Math.round((ys[index] ?? 0) - (xs[index] ?? 0) * slope) + margin;
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    let sum = 0;
    for (const count of bins) sum += count * count;
    return sum;
  };
  const best = (from: number, to: number, by: number): { degrees: number; score: number } => {
    let found = { degrees: 0, score: -1 };
    for (let degrees = from; degrees <= to + by / 2; degrees += by) {
      const value = score(degrees);
      if (value > found.score) found = { degrees, score: value };
    }
    return found;
  };
  const coarse = best(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES, COARSE_STEP);
  const fine = best(coarse.degrees - COARSE_STEP, coarse.degrees + COARSE_STEP, FINE_STEP);
  if (fine.score < score(0) * MIN_GAIN) return 0;
  return Math.round(fine.degrees * 100) / 100;
}

/** Whether a page measured this skewed is worth turning: below 0.3° the lines are straight enough. */
export const needsLevelling = (skew: number): boolean => Math.abs(skew) >= MIN_CORRECTION_DEGREES;

/**
 * The page turned level when it is skewed by more than a few tenths of a degree (white filling the
 * corners), else the page itself. Tesseract's layout analysis finds columns along the vertical;
 * on a noisy page tilted by 3° it took the body for a picture and read only the title.
 */
export async function deskew(page: GreyPage): Promise<GreyPage> {
  const skew = measureSkew(page);
  return needsLevelling(skew) ? turn(page, -skew) : page;
}

/** The page turned clockwise by `degrees` (sharp's sense), white filling the corners. */
export async function turn(page: GreyPage, degrees: number): Promise<GreyPage> {
  const { data, info } = await sharp(page.pixels, {
    raw: { width: page.width, height: page.height, channels: 1 },
  })
    .rotate(degrees, { background: { r: 255, g: 255, b: 255 } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}
