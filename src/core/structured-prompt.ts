/**
 * The structured task description of LLMDPD's text prompts (paper section 3.1.1, Figure 1):
 * `Task: …`, `Objective: …`, `Constraints: …` and further attributes, one per line. It lives in
 * core because both the text encoders and the task suites (which must not load the encoders)
 * write prompts in this form; `llmdpd/encoders` re-exports it.
 *
 * @module
 */
import { ConfigError } from './errors.js';

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
 * @throws {@link ConfigError} when `task` or `objective` is empty, or an attribute key is empty.
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
