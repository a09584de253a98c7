/**
 * Loading an optional peer dependency: a package the library uses only for one feature and
 * does not install by default (transformers.js for LLM text embeddings, tfjs-node for the
 * native backend), so the default install stays small. When it is missing, the user gets an
 * error that names the package and the command that installs it, not Node's module-resolution
 * message.
 *
 * @module
 */
import { BackendError } from './errors.js';

/** True when `error` says that the package `name` itself could not be found (not one of its own imports). */
export function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(message)) &&
    (message.includes(`'${name}'`) || message.includes(`"${name}"`))
  );
}

/**
 * Runs `load` (a dynamic `import()` of `name`) and turns "package not found" into a
 * {@link BackendError} that says what to install.
 * @param purpose - what needs the package, e.g. `'TransformersTextEncoder'`.
 * @param advice - more to say after the install command (alternatives, environment variables).
 * @throws {@link BackendError} when `name` is not installed; any other error of `load` as is.
 */
export async function importOptional<T>(
  name: string,
  load: () => Promise<T>,
  purpose: string,
  advice = '',
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    throw new BackendError(
      `${purpose} needs the optional package ${name}, which is not installed. Install it next to llmdpd: npm install ${name}${advice === '' ? '' : `. ${advice}`}`,
      { cause: error },
    );
  }
}
