import { fitLine, formatDuration, formatMetric, Progress } from '../../src/core/progress.js';
import { FakeTerminal } from '../support/fake-terminal.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 120, write: (t: string) => chunks.push(t) }, chunks };
}

describe('Progress', () => {
  test('prints one plain line per update when not on a TTY', () => {
    const { stream, chunks } = capture(false);
    let clock = 0;
    const p = new Progress({ total: 4, label: 'train', stream, now: () => clock });
    clock = 2000;
    p.update(1, { loss: 0.5 });
    clock = 4000;
    p.update(2, { loss: 0.25 });
    p.done();
    expect(chunks).toEqual([
      'train 1/4 (25%) 2.0s<6.0s, 0.5/s loss=0.5000\n',
      'train 2/4 (50%) 4.0s<4.0s, 0.5/s loss=0.2500\n',
    ]);
  });

  test('redraws a bar in place on a TTY, throttled, and ends with a newline', () => {
    const { stream, chunks } = capture(true);
    let clock = 0;
    const p = new Progress({ total: 10, label: 'gen', stream, now: () => clock });
    clock = 200;
    p.update(5);
    clock = 250;
    p.update(6); // within 100 ms of the last draw: skipped
    clock = 400;
    p.update(10);
    p.done();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatch(/^\rgen \[#+\.+\] 5\/10 /);
    expect(chunks[2].endsWith('\n')).toBe(true);
  });

  test("mode 'off' prints nothing", () => {
    const { stream, chunks } = capture(true);
    const p = new Progress({ total: 3, label: 'x', stream, mode: 'off' });
    p.update(1);
    p.done();
    expect(chunks).toEqual([]);
  });

  test('formatDuration', () => {
    expect(formatDuration(12.34)).toBe('12.3s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('?');
  });

  test('formatMetric keeps 4 significant digits and switches to exponents for tiny and huge values', () => {
    expect(formatMetric(0.41)).toBe('0.4100');
    expect(formatMetric(-152.34)).toBe('-152.3');
    expect(formatMetric(12345)).toBe('1.23e+4');
    expect(formatMetric(0.0001234)).toBe('1.23e-4');
    expect(formatMetric(0)).toBe('0.000');
    expect(formatMetric(NaN)).toBe('NaN');
  });

  test('fitLine keeps the head, drops items from the first that does not fit, and marks the cut', () => {
    expect(fitLine('head', ['a=1', 'b=2'])).toBe('head a=1 b=2');
    expect(fitLine('head', ['a=1', 'b=2'], 13)).toBe('head a=1 b=2');
    expect(fitLine('head', ['a=1', 'b=2'], 12)).toBe('head a=1 …');
    expect(fitLine('head', ['a=1', 'b=2'], 9)).toBe('head …');
    expect(fitLine('a long head', [], 6)).toBe('a lo…');
  });
});

describe('Progress on a fake 80-column terminal', () => {
  const metrics = {
    'loss/critic': 1.2345,
    'loss/actor': -0.5,
    'loss/bc': 0.1234,
    'value/qMean': 45.6,
    'loss/prompt': 0.01,
  };

  test('the bar and the epoch lines never wrap; the bar shows the ETA and the last evaluation first', () => {
    const term = new FakeTerminal(80);
    let clock = 0;
    const p = new Progress({ total: 3000, label: 'Diffusion-QL', stream: term, now: () => clock });
    let evaluation: Record<string, number> = {};
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (let step = (epoch - 1) * 1000 + 100; step <= epoch * 1000; step += 100) {
        clock += 250;
        p.update(step, { ...evaluation, ...metrics });
      }
      evaluation = { 'eval/return': -150.25 * epoch };
      p.update(epoch * 1000, { ...evaluation, ...metrics }); // as fit does after evaluating
      p.log(
        `Diffusion-QL epoch ${epoch}/3 step ${epoch * 1000}/3000 eval/return=${-150.25 * epoch} ${Object.entries(
          metrics,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      if (epoch === 1) {
        // Mid-run: one epoch line above the bar, the bar shows the evaluation and the ETA.
        expect(term.rows).toHaveLength(2);
        expect(term.rows[1]).toMatch(
          /^Diffusion-QL \[##\.{4}\] 1000\/3000 33% 2\.5s<5\.0s, 400\.0\/s eval\/return=-150\.3 …$/,
        );
      }
    }
    p.done();
    expect(term.wraps).toBe(0);
    expect(term.rows.slice(0, 3).map((r) => r.slice(0, 33))).toEqual([
      'Diffusion-QL epoch 1/3 step 1000/',
      'Diffusion-QL epoch 2/3 step 2000/',
      'Diffusion-QL epoch 3/3 step 3000/',
    ]);
    expect(term.rows[3]).toMatch(/^Diffusion-QL \[#{5}\] 3000\/3000 100% 7\.5s<0\.0s, 400\.0\/s eval\/return=-450\.8 /);
    expect(term.rows[4]).toBe('');
    expect(term.rows).toHaveLength(5);
    for (const row of term.rows) expect(row.length).toBeLessThan(80);
    expect(term.rows[0].endsWith('…')).toBe(true);
  });

  test('a narrower window is followed at the next draw; a very narrow one drops the bar, never the counts', () => {
    const term = new FakeTerminal(80);
    let clock = 0;
    const p = new Progress({ total: 100, label: 'LLMDPD', stream: term, now: () => clock });
    clock = 1000;
    p.update(10, metrics);
    term.columns = 40;
    clock = 2000;
    p.update(20, metrics);
    expect(term.wraps).toBe(0);
    expect(term.rows[0]).toBe('LLMDPD 20/100 20% 2.0s<8.0s, 10.0/s …');
    p.done();
    expect(term.wraps).toBe(0);
  });

  test('without a terminal the same reporter prints only what is logged, one line each', () => {
    const chunks: string[] = [];
    const p = new Progress({ total: 10, label: 'x', stream: { isTTY: false, write: (t: string) => chunks.push(t) } });
    expect(p.drawsBar).toBe(false);
    p.log('epoch 1');
    p.log('epoch 2');
    p.done();
    expect(chunks).toEqual(['epoch 1\n', 'epoch 2\n']);
  });
});
