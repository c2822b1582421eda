// Renders a report in headless Chromium (Debian's `chromium` package) and checks the pixels and the live DOM.
// Without chromium the test says why and skips, never silently. CHROMIUM overrides the binary.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { colorAt } from '../../src/analysis/report/color-scale.js';
import { renderReport } from '../../src/analysis/report/render-report.js';
import { RunFixture, tempDir } from './fixtures.js';

const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run'];

function probe(): string | undefined {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `${CHROMIUM} not runnable (${r.error.message}); install it with apt-get install -y chromium`;
  if (r.status !== 0) return `${CHROMIUM} --version exited ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
  return undefined;
}

const why = probe();
if (why !== undefined) console.log(`SKIPPED chromium render: ${why}`);

function chromium(args: string[], dir: string): string {
  const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, ...args], { encoding: 'utf8', timeout: 20_000, maxBuffer: 32 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(why !== undefined)('report in headless Chromium', () => {
  const dir = tempDir();
  const page = join(dir, 'report.html');
  let built = false;
  const build = async (): Promise<void> => {
    if (built) return;
    const f = new RunFixture();
    f.turn(0, 'c1');
    f.turn(12, 'c1');
    writeFileSync(page, renderReport(await f.records(), { generatedAtMs: 0 }));
    built = true;
  };

  it('paints a non-blank, colourful page with the timeline’s hottest colour on it', async () => {
    await build();
    const shot = join(dir, 'report.png');
    chromium([`--screenshot=${shot}`, '--window-size=1280,2000', `file://${page}`], dir);
    const png = PNG.sync.read(readFileSync(shot));
    expect(png.width).toBe(1280);
    const colours = new Set<number>();
    let inked = 0;
    let hottest = 0;
    const hot = colorAt(1);
    const [hr, hg, hb] = [1, 3, 5].map((i) => Number.parseInt(hot.slice(i, i + 2), 16)) as [number, number, number];
    for (let i = 0; i < png.data.length; i += 4) {
      const r = png.data[i]!;
      const g = png.data[i + 1]!;
      const b = png.data[i + 2]!;
      colours.add((r << 16) | (g << 8) | b);
      if (Math.min(r, g, b) < 232) inked++;
      if (Math.abs(r - hr) + Math.abs(g - hg) + Math.abs(b - hb) < 12) hottest++;
    }
    const pixels = png.width * png.height;
    expect(colours.size).toBeGreaterThan(500);
    expect(inked / pixels).toBeGreaterThan(0.12);
    // The two 100 J turn bars are the scale's top colour: several thousand pixels of it.
    expect(hottest).toBeGreaterThan(2000);
  });

  it('runs its script and keeps the run’s numbers in the live DOM', async () => {
    await build();
    const dom = chromium(['--dump-dom', `file://${page}`], dir);
    expect(dom).toContain('data-enhanced="true"');
    expect(dom).toContain('data-name="search" data-joules="40"');
    expect(dom).toContain('data-name="gpt-x" data-joules="60"');
    expect(dom).toContain('data-kpi="turns" data-value="2"');
    expect(dom).toContain('data-kpi="energy_joules" data-value="200"');
    expect(dom).toContain('>40.00 J<');
    expect(dom).not.toContain('<script>alert(1)</script>');
  });
});
