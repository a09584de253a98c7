import { formatDuration, Progress } from '../../src/core/progress.js';

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
});
