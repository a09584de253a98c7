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

export { formatStructuredPrompt, type StructuredTaskPrompt } from '../../core/structured-prompt.js';

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
