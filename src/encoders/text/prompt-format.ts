/**
 * The text prompt of LLMDPD (paper section 3.1.1, Figure 1): a task description written in a
 * structured form (task name, objective, constraints, other attributes) and preceded by a short
 * interpretation instruction, which together are the LLM's input.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';

/**
 * The paper's default interpretation instruction (section 3.1.1), word for word, prepended to
 * every structured prompt by the LLM-backed encoders unless an encoder is given another one.
 */
export const DEFAULT_TEXT_INSTRUCTION =
  'convert the following task description into a structured policy representation';

/**
 * A task description in the structured form of the paper's Figure 1. Rendered by
 * {@link formatStructuredPrompt} as `Task: …`, `Objective: …`, `Constraints: …` lines.
 *
 * @example
 * ```ts
 * const prompt = formatStructuredPrompt({
 *   task: 'Meta-World push',
 *   objective: 'Push the puck to a goal',
 *   constraints: ['Randomize puck and goal positions'],
 * });
 * // "Task: Meta-World push.\nObjective: Push the puck to a goal.\nConstraints: Randomize puck and goal positions."
 * ```
 */
export interface StructuredTaskPrompt {
  /** The task's name, e.g. `"Meta-World push"`. Required and non-empty. */
  task: string;
  /** What the agent must achieve, e.g. `"Push the puck to a goal"`. Required and non-empty. */
  objective: string;
  /** Constraints or randomisations of the task; several are joined with `"; "`. Omitted when absent or empty. */
  constraints?: string | readonly string[];
  /**
   * Further attributes, one line each in insertion order (`"<Key>: <value>."`), e.g.
   * `{ Reward: 'dense, shaped by distance to the goal' }`.
   */
  attributes?: Readonly<Record<string, string>>;
}

/** Ends a field with a full stop unless it already ends with punctuation. */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * Renders a {@link StructuredTaskPrompt} as the paper's structured text prompt (Figure 1).
 *
 * @param prompt - the task description.
 * @returns lines `Task: …`, `Objective: …`, then `Constraints: …` and one line per attribute
 *   when given, joined with `\n`; each field ends with a full stop.
 * @throws {@link core!ConfigError} when `task` or `objective` is empty, or an attribute key is empty.
 */
export function formatStructuredPrompt(prompt: StructuredTaskPrompt): string {
  if (typeof prompt.task !== 'string' || prompt.task.trim() === '') {
    throw new ConfigError('Structured prompt: `task` must be a non-empty string such as "Meta-World push".');
  }
  if (typeof prompt.objective !== 'string' || prompt.objective.trim() === '') {
    throw new ConfigError(
      `Structured prompt for task "${prompt.task}": \`objective\` must be a non-empty string such as "Push the puck to a goal".`,
    );
  }
  const lines = [`Task: ${sentence(prompt.task)}`, `Objective: ${sentence(prompt.objective)}`];
  const constraints = typeof prompt.constraints === 'string' ? [prompt.constraints] : (prompt.constraints ?? []);
  const kept = constraints.map((c) => c.trim().replace(/[.;]$/, '')).filter((c) => c !== '');
  if (kept.length > 0) lines.push(`Constraints: ${sentence(kept.join('; '))}`);
  for (const [key, value] of Object.entries(prompt.attributes ?? {})) {
    if (key.trim() === '')
      throw new ConfigError(`Structured prompt for task "${prompt.task}": attribute keys must be non-empty.`);
    if (value.trim() !== '') lines.push(`${key.trim()}: ${sentence(value)}`);
  }
  return lines.join('\n');
}

/**
 * The canonical form of a prompt, used for look-ups and cache keys so that incidental
 * differences do not create new entries: Windows line ends become `\n`, trailing spaces on each
 * line and surrounding blank space are removed, and the text is Unicode NFC-normalised.
 *
 * @param text - a prompt as given by the user.
 * @returns the canonical prompt.
 */
export function normalizePrompt(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/**
 * The exact text an LLM encoder feeds to its tokenizer: the instruction, a blank line, then the
 * prompt. With an empty instruction it is the prompt alone.
 *
 * @param instruction - the interpretation instruction (`""` for none).
 * @param prompt - the (structured) task prompt, already normalised.
 * @returns the encoder input.
 */
export function composeEncoderInput(instruction: string, prompt: string): string {
  const i = instruction.trim();
  return i === '' ? prompt : `${i}\n\n${prompt}`;
}

/**
 * Checks a batch of prompts and returns their canonical forms ({@link normalizePrompt}).
 *
 * @param prompts - the prompts given to an encoder.
 * @param who - the encoder's name, for messages.
 * @returns the normalised prompts, in order.
 * @throws {@link core!ConfigError} when `prompts` is not an array of strings, or a prompt is empty
 *   after normalisation.
 */
export function checkPrompts(prompts: readonly string[], who: string): string[] {
  if (!Array.isArray(prompts)) {
    throw new ConfigError(
      `${who}.encode expects an array of prompt strings; received ${typeof prompts}. Wrap a single prompt as [prompt].`,
    );
  }
  return prompts.map((p, i) => {
    if (typeof p !== 'string') throw new ConfigError(`${who}.encode: prompt ${i} is ${typeof p}, expected a string.`);
    const n = normalizePrompt(p);
    if (n === '')
      throw new ConfigError(
        `${who}.encode: prompt ${i} is empty; every task needs a text description (see formatStructuredPrompt).`,
      );
    return n;
  });
}
