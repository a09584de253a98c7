import { ConfigError } from '../../../src/core/errors.js';
import { HashedNgramTextEncoder } from '../../../src/encoders/text/hashed-text-encoder.js';
import {
  checkPrompts,
  composeEncoderInput,
  DEFAULT_TEXT_INSTRUCTION,
  formatStructuredPrompt,
  normalizePrompt,
} from '../../../src/encoders/text/prompt-format.js';
import {
  assertTextEncoderCompatible,
  cosineSimilarity,
  textEncoderInfo,
} from '../../../src/encoders/text/text-encoder.js';

describe('structured prompt (paper Figure 1)', () => {
  test('renders the Figure 1 example exactly', () => {
    expect(
      formatStructuredPrompt({
        task: 'Meta-World push',
        objective: 'Push the puck to a goal',
        constraints: ['Randomize puck and goal positions'],
      }),
    ).toBe(
      'Task: Meta-World push.\nObjective: Push the puck to a goal.\nConstraints: Randomize puck and goal positions.',
    );
  });

  test('joins constraints, adds attributes, keeps existing punctuation, skips empty parts', () => {
    const text = formatStructuredPrompt({
      task: 'Meta-World push.',
      objective: 'Push the puck to a goal!',
      constraints: ['Randomize puck position;', ' ', 'Randomize goal position.'],
      attributes: { Reward: 'dense', Horizon: '500 steps', Empty: '  ' },
    });
    expect(text).toBe(
      'Task: Meta-World push.\nObjective: Push the puck to a goal!\nConstraints: Randomize puck position; Randomize goal position.\nReward: dense.\nHorizon: 500 steps.',
    );
    expect(formatStructuredPrompt({ task: 'a', objective: 'b', constraints: [] })).toBe('Task: a.\nObjective: b.');
  });

  test('rejects missing task or objective', () => {
    expect(() => formatStructuredPrompt({ task: ' ', objective: 'b' })).toThrow(ConfigError);
    expect(() => formatStructuredPrompt({ task: 'a', objective: '' })).toThrow(/objective/);
    expect(() => formatStructuredPrompt({ task: 'a', objective: 'b', attributes: { ' ': 'x' } })).toThrow(
      /attribute keys/,
    );
  });

  test('the default instruction is the paper wording; the encoder input puts it first', () => {
    expect(DEFAULT_TEXT_INSTRUCTION).toBe(
      'convert the following task description into a structured policy representation',
    );
    expect(composeEncoderInput(DEFAULT_TEXT_INSTRUCTION, 'Task: a.')).toBe(`${DEFAULT_TEXT_INSTRUCTION}\n\nTask: a.`);
    expect(composeEncoderInput('  ', 'Task: a.')).toBe('Task: a.');
  });

  test('normalisation: line ends, trailing blanks, NFC', () => {
    expect(normalizePrompt('  Task: a. \r\nObjective: b.\t\n\n')).toBe('Task: a.\nObjective: b.');
    expect(normalizePrompt('cafe\u0301')).toBe('caf\u00e9');
    expect(checkPrompts(['a ', '\nb'], 'X')).toEqual(['a', 'b']);
    expect(() => checkPrompts(['a', 3 as unknown as string], 'X')).toThrow(/prompt 1 is number/);
  });
});

describe('encoder info and compatibility', () => {
  test('textEncoderInfo records id, dimension and instruction; a mismatch names each field', () => {
    const enc = new HashedNgramTextEncoder({ dimension: 16 });
    const info = textEncoderInfo(enc);
    expect(info).toEqual({ id: enc.id, dimension: 16, instruction: '' });
    expect(() => assertTextEncoderCompatible(info, enc)).not.toThrow();
    expect(() => assertTextEncoderCompatible(info, new HashedNgramTextEncoder({ dimension: 32 }))).toThrow(
      /id .*dimension 32 \(checkpoint: 16\)/,
    );
    expect(() =>
      assertTextEncoderCompatible(info, new HashedNgramTextEncoder({ dimension: 16, instruction: 'x' })),
    ).toThrow(/instruction "x" \(checkpoint: ""\)/);
  });

  test('cosineSimilarity', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 2], [-1, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(ConfigError);
  });
});
