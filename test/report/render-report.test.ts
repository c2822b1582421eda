import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/analysis/report/render-report.js';
import { EVIL, EVIL_TOOL, RunFixture } from './fixtures.js';

/** The attribute value of the first element matching `selector`-like `data-x="v"` pairs, read with a regexp. */
function dataOf(html: string, attrs: Record<string, string>, read: string): string | undefined {
  const tags = html.match(/<[a-z]+\b[^>]*>/g) ?? [];
  for (const tag of tags) {
    if (!Object.entries(attrs).every(([k, v]) => tag.includes(`${k}="${v}"`))) continue;
    return new RegExp(`${read}="([^"]*)"`).exec(tag)?.[1];
  }
  return undefined;
}

async function render(method: 'counter' | 'estimate' = 'counter'): Promise<string> {
  const f = new RunFixture(method);
  f.turn();
  return renderReport(await f.records(), { generatedAtMs: 0 });
}

describe('renderReport', () => {
  it('charts the run’s joules per tool and per model, as text and data attributes', async () => {
    const html = await render();
    expect(dataOf(html, { 'data-name': 'search' }, 'data-joules')).toBe('20');
    expect(dataOf(html, { 'data-name': 'search' }, 'data-calls')).toBe('2');
    expect(dataOf(html, { 'data-name': 'fetch' }, 'data-errors')).toBe('1');
    expect(dataOf(html, { 'data-name': 'gpt-x' }, 'data-joules')).toBe('30');
    expect(dataOf(html, { 'data-name': 'model-small' }, 'data-joules')).toBe('15');
    expect(html).toContain('>20.00 J<');
    expect(html).toContain('>30.00 J<');
    expect(html).toContain('>15.00 J<');
  });

  it('carries the rollup’s KPI row for the run', async () => {
    const html = await render();
    const kpi = (name: string): string | undefined => dataOf(html, { 'data-kpi': name }, 'data-value');
    expect(kpi('turns')).toBe('1');
    expect(kpi('llm_calls')).toBe('2');
    expect(kpi('tool_calls')).toBe('4');
    expect(kpi('tool_success_rate')).toBe('0.75');
    expect(kpi('tokens_prompt')).toBe('200');
    expect(kpi('tokens_completion')).toBe('75');
    expect(kpi('cost_usd')).toBe('0.01');
    expect(kpi('energy_joules')).toBe('100');
    expect(kpi('energy_gpu_joules')).toBe('80');
    expect(kpi('joules_per_turn')).toBe('100');
    expect(kpi('output_tokens_per_joule')).toBe('0.75');
    expect(html).not.toContain('data-kpi="co2e_g"');
  });

  it('draws every span on the timeline with its joules, status and duration', async () => {
    const html = await render();
    expect(html.match(/<g class="span/g)).toHaveLength(7);
    expect(dataOf(html, { 'data-name': 'invoke_agent planner' }, 'data-joules')).toBe('100');
    expect(dataOf(html, { 'data-name': 'execute_tool fetch' }, 'data-status')).toBe('error');
    expect(dataOf(html, { 'data-name': 'chat gpt-x' }, 'data-duration-ms')).toBe('3000');
    expect(html).toContain('<title>chat gpt-x\nduration 3.000 s\n30.00 J attributed\nstatus unset\ntrace ');
  });

  it('derives power from the root span: GPU and CPU joules over its 10 s, with its own mean watts', async () => {
    const html = await render();
    expect(Number(dataOf(html, { class: 'chart power' }, 'data-total-joules'))).toBeCloseTo(100, 9);
    expect(Number(dataOf(html, { class: 'chart power' }, 'data-peak-watts'))).toBeCloseTo(10, 9);
    expect(Number(dataOf(html, { class: 'layer', 'data-component': 'gpu' }, 'data-joules'))).toBeCloseTo(80, 9);
    expect(Number(dataOf(html, { class: 'layer', 'data-component': 'cpu' }, 'data-joules'))).toBeCloseTo(20, 9);
    expect(dataOf(html, { class: 'mean' }, 'data-watts')).toBe('10');
  });

  it('names the run in the header and flags estimated energy only when it is estimated', async () => {
    const measured = await render('counter');
    expect(measured).toContain('<title>openjoules report · report-test</title>');
    expect(measured).toContain('data-source="nvml"');
    expect(measured).toContain('data-method="counter" data-spans="7"');
    expect(measured).toContain('data-device="nvml:gpu0=NVIDIA H100"');
    expect(measured).toContain('2026-04-24T10:00:00.000Z');
    expect(measured).not.toContain('Estimated energy');
    const estimated = await render('estimate');
    expect(estimated).toContain('data-estimated-spans="7"');
    expect(estimated).toContain('Estimated energy');
  });

  it('is self-contained: no external URL, one inline script, inline styles', async () => {
    const html = await render();
    expect(html).not.toMatch(/https?:\/\//i);
    // No element has a src or href (quoted values, where escaped span text lives, are blanked first).
    const tags = (html.match(/<[a-z][^>]*>/gi) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
    expect(tags.filter((tag) => /\s(src|href)\s*=/i.test(tag))).toEqual([]);
    expect(html).not.toMatch(/@import|url\((?!#)/i);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('escapes span-supplied text, so a span name cannot inject markup', async () => {
    const html = await render();
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain(EVIL_TOOL);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('data-name="&lt;img src=x onerror=alert(2)&gt;"');
  });

  it('renders an empty run without throwing', () => {
    const html = renderReport([], { generatedAtMs: 0 });
    expect(html).toContain('No spans');
    expect(html).toContain('No energy recorded');
  });
});
