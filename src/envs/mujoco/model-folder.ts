/**
 * Models that live in a folder of the user's (MJCF files with `<include>`s, meshes, textures), as
 * opposed to the single-file models of `assets/mujoco/`: {@link mountMujocoModelFolder} copies what
 * a set of model files needs into the runtime's in-memory file system, and
 * {@link mujocoModelFromFolder} makes a {@link MujocoModelSource} that compiles one of them there.
 *
 * **Why the in-memory file system.** `@mujoco/mujoco`'s own virtual file system (`MjVFS`) takes
 * each file through a per-byte conversion (about 2 µs per byte, seconds per mesh), while the
 * Emscripten file system that the module carries takes a whole `Uint8Array` at memory speed. MuJoCo
 * resolves `<include file>` and asset `file` attributes relative to the directory it is working
 * in, so the compiler is run with that directory set to the main file's folder.
 *
 * **What is copied.** Only the files the requested models reach: the main files, their includes
 * (recursively, relative to the main file's folder, as MuJoCo reads them) and the files of their
 * `mesh`, `hfield` and `skin` assets (relative to `compiler meshdir`/`assetdir` when set). XML
 * comments are ignored, so commented-out includes do not count.
 *
 * **Textures.** By default (`stripTextures: true`) texture elements and the `texture` references
 * of materials are removed from the XML before compiling. Textures only colour rendered images:
 * contacts, masses and dynamics do not depend on them, and these envs do not render. Leaving them
 * out saves the PNG decoding and several MiB of model memory per model.
 *
 * Node only (the files are read with `node:fs`); the folder is read once per process and folder.
 *
 * @module
 */
import type { MjModel, MjSpec } from '@mujoco/mujoco';
import { EnvError } from '../../core/errors.js';
import {
  MUJOCO_ARENA_BYTES,
  loadMujocoRuntime,
  requireMujocoRuntime,
  type MujocoModelSource,
  type MujocoRuntime,
} from './runtime.js';

/** Options of {@link mountMujocoModelFolder}. */
export interface MountMujocoFolderOptions {
  /** Remove textures and material texture references from the XML (see the module notes). @defaultValue true */
  readonly stripTextures?: boolean;
  /** Who asks, for error messages (e.g. `"Meta-World"`). @defaultValue `"MuJoCo"` */
  readonly owner?: string;
  /** Extra text for the error when the folder or a file is missing (where to get the files). */
  readonly missingHint?: string;
}

/** A folder whose model files are in the runtime's file system, from {@link mountMujocoModelFolder}. */
export interface MujocoModelFolder {
  /** The folder on disk, as given. */
  readonly dir: string;
  /** Where its files are in the in-memory file system (ends with `/`). */
  readonly mountPath: string;
  /** Whether textures were stripped. */
  readonly stripTextures: boolean;
  /** The model files mounted so far (relative to `dir`, `/`-separated). */
  readonly modelFiles: readonly string[];
  /** Every file copied so far (relative paths). */
  readonly files: readonly string[];
  /** Bytes copied so far. */
  readonly bytes: number;
}

interface MountState extends MujocoModelFolder {
  modelFiles: string[];
  files: string[];
  bytes: number;
  /** Transformed text of each XML file copied, by relative path. */
  readonly xml: Map<string, string>;
}

const mounts = new Map<string, MountState>();
let mountCounter = 0;

/** `a/b/../c` → `a/c`; returns `null` for a path that climbs out of the folder. */
export function normalizeRelativePath(path: string): string | null {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function joinPath(dir: string, file: string): string | null {
  return normalizeRelativePath(dir === '' ? file : `${dir}/${file}`);
}

/**
 * Removes texture elements, material `<layer>` children and `texture="…"` attributes (see the
 * module notes). Exported for tests.
 */
export function stripTexturesFromXml(xml: string): string {
  return xml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<texture\b[^>]*\/>/g, '')
    .replace(/<texture\b[^>]*>[\s\S]*?<\/texture>/g, '')
    .replace(/<layer\b[^>]*\/>/g, '')
    .replace(/\stexture\s*=\s*"[^"]*"/g, '')
    .replace(/\stexture\s*=\s*'[^']*'/g, '');
}

/** The value of attribute `name` in the text of one tag, or `undefined`. */
function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/** What one XML file refers to: includes and asset files (raw attribute values), and compiler folders. */
interface XmlReferences {
  readonly includes: string[];
  readonly meshFiles: string[];
  readonly textureFiles: string[];
  meshdir: string | undefined;
  texturedir: string | undefined;
  assetdir: string | undefined;
}

function scanXml(xml: string): XmlReferences {
  const refs: XmlReferences = {
    includes: [],
    meshFiles: [],
    textureFiles: [],
    meshdir: undefined,
    texturedir: undefined,
    assetdir: undefined,
  };
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of text.matchAll(/<(include|mesh|hfield|skin|texture|compiler)\b([^>]*)>/g)) {
    const kind = m[1];
    const tag = m[2] ?? '';
    if (kind === 'compiler') {
      refs.meshdir = attribute(tag, 'meshdir') ?? refs.meshdir;
      refs.texturedir = attribute(tag, 'texturedir') ?? refs.texturedir;
      refs.assetdir = attribute(tag, 'assetdir') ?? refs.assetdir;
      continue;
    }
    const file = attribute(tag, 'file');
    if (file === undefined || file === '') continue;
    if (kind === 'include') refs.includes.push(file);
    else if (kind === 'texture') refs.textureFiles.push(file);
    else refs.meshFiles.push(file);
  }
  return refs;
}

async function readBytes(path: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path);
}

/**
 * Copies the model files `modelFiles` of folder `dir`, and everything they include or load, into
 * the runtime's in-memory file system (loading the runtime first if needed). Calls for the same
 * folder add to one mount; files already copied are not read again.
 *
 * @param dir - the folder on disk (a path or a `file:` URL).
 * @param modelFiles - main MJCF files, relative to `dir` (e.g. `sawyer_xyz/sawyer_box.xml`).
 * @throws {@link EnvError} (as a rejection) when the folder, a model file or a file it refers to is
 *   missing or unreadable, naming the file and the model that needs it.
 */
export async function mountMujocoModelFolder(
  dir: string | URL,
  modelFiles: readonly string[],
  options: MountMujocoFolderOptions = {},
): Promise<MujocoModelFolder> {
  await loadMujocoRuntime();
  const rt = requireMujocoRuntime('mountMujocoModelFolder()');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  const { stat } = await import('node:fs/promises');
  const root = path.resolve(typeof dir === 'string' && !dir.startsWith('file:') ? dir : fileURLToPath(dir));
  const owner = options.owner ?? 'MuJoCo';
  const hint = options.missingHint === undefined ? '' : ` ${options.missingHint}`;
  const strip = options.stripTextures ?? true;
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
  } catch (cause) {
    throw new EnvError(`${owner} model folder ${root} does not exist or is not a folder (${String(cause)}).${hint}`, {
      cause,
    });
  }
  const stateKey = `${root}\u0000${strip ? 'strip' : 'full'}`;
  let state = mounts.get(stateKey);
  if (state === undefined) {
    const mountPath = `/llmdpd-models/${++mountCounter}/`;
    state = {
      dir: root,
      mountPath,
      stripTextures: strip,
      modelFiles: [],
      files: [],
      bytes: 0,
      xml: new Map(),
    };
    mounts.set(stateKey, state);
  }
  const fs = rt.mujoco.FS as unknown as {
    mkdirTree(path: string): void;
    writeFile(path: string, data: Uint8Array | string): void;
  };
  const copied = new Set(state.files);
  const write = (relative: string, data: Uint8Array | string, size: number): void => {
    const target = `${state.mountPath}${relative}`;
    fs.mkdirTree(dirnameOf(target));
    fs.writeFile(target, data);
    copied.add(relative);
    state.files.push(relative);
    state.bytes += size;
  };
  const read = async (relative: string, neededBy: string): Promise<Uint8Array> => {
    const file = path.join(root, ...relative.split('/'));
    try {
      return await readBytes(file);
    } catch (cause) {
      throw new EnvError(
        `${owner}: cannot read ${file}${neededBy === '' ? '' : `, which ${neededBy} needs`} (${String(cause)}). The folder ${root} looks incomplete.${hint}`,
        { cause },
      );
    }
  };

  for (const requested of modelFiles) {
    const main = normalizeRelativePath(requested);
    if (main === null || main === '')
      throw new EnvError(`${owner}: model file ${JSON.stringify(requested)} must be a path inside ${root}.`);
    if (state.modelFiles.includes(main)) continue;
    const mainDir = dirnameOf(main);
    const pendingXml = [main];
    const assetFiles: { name: string; texture: boolean; by: string }[] = [];
    let meshdir: string | undefined;
    let texturedir: string | undefined;
    let assetdir: string | undefined;
    const seenXml = new Set<string>();
    while (pendingXml.length > 0) {
      const file = pendingXml.shift()!;
      if (seenXml.has(file)) continue;
      seenXml.add(file);
      let text = state.xml.get(file);
      if (text === undefined) {
        const raw = new TextDecoder().decode(await read(file, file === main ? '' : `the model ${main}`));
        text = strip ? stripTexturesFromXml(raw) : raw;
        state.xml.set(file, text);
        write(file, text, text.length);
      }
      const refs = scanXml(text);
      meshdir = refs.meshdir ?? meshdir;
      texturedir = refs.texturedir ?? texturedir;
      assetdir = refs.assetdir ?? assetdir;
      for (const inc of refs.includes) {
        const resolved = joinPath(mainDir, inc);
        if (resolved === null)
          throw new EnvError(`${owner}: ${file} includes ${inc}, which is outside the folder ${root}.`);
        pendingXml.push(resolved);
      }
      for (const name of refs.meshFiles) assetFiles.push({ name, texture: false, by: file });
      if (!strip) for (const name of refs.textureFiles) assetFiles.push({ name, texture: true, by: file });
    }
    for (const { name, texture, by } of assetFiles) {
      const folder = (texture ? texturedir : meshdir) ?? assetdir ?? '';
      const resolved = joinPath(mainDir, folder === '' ? name : `${folder}/${name}`);
      if (resolved === null)
        throw new EnvError(`${owner}: ${by} refers to ${name}, which is outside the folder ${root}.`);
      if (copied.has(resolved)) continue;
      const bytes = await read(resolved, `the model ${main} (through ${by})`);
      write(resolved, bytes, bytes.length);
    }
    state.modelFiles.push(main);
  }
  return snapshot(state);
}

function snapshot(state: MountState): MujocoModelFolder {
  return Object.freeze({
    dir: state.dir,
    mountPath: state.mountPath,
    stripTextures: state.stripTextures,
    modelFiles: Object.freeze([...state.modelFiles]),
    files: Object.freeze([...state.files]),
    bytes: state.bytes,
  });
}

/** Options of {@link mujocoModelFromFolder}. */
export interface MujocoFolderModelOptions {
  /** Bytes of the arena of each `MjData` (`<size memory>`). @defaultValue {@link MUJOCO_ARENA_BYTES} */
  readonly arenaBytes?: number;
  /**
   * Changes applied to the compiled model before any env uses it (for example equality data).
   * Give `variant` a name for it: models with different variants are compiled separately.
   */
  readonly prepare?: (model: MjModel) => void;
  /** Names the `prepare` step in the sharing key. @defaultValue `""` */
  readonly variant?: string;
}

/**
 * A {@link MujocoModelSource} for model file `file` of a mounted folder. Envs made from sources
 * with the same folder, file, arena and variant share one compiled model.
 *
 * @throws {@link EnvError} when `file` was not mounted with {@link mountMujocoModelFolder}.
 */
export function mujocoModelFromFolder(
  folder: MujocoModelFolder,
  file: string,
  options: MujocoFolderModelOptions = {},
): MujocoModelSource {
  const main = normalizeRelativePath(file);
  const state = [...mounts.values()].find((s) => s.mountPath === folder.mountPath);
  if (main === null || state === undefined || !state.modelFiles.includes(main)) {
    throw new EnvError(
      `The model file ${file} is not mounted from ${folder.dir}; call mountMujocoModelFolder(dir, [${JSON.stringify(file)}]) first.`,
    );
  }
  const arena = options.arenaBytes ?? MUJOCO_ARENA_BYTES;
  const variant = options.variant ?? '';
  return Object.freeze({
    key: `${folder.mountPath}${main}#${arena}#${variant}`,
    label: main,
    compile: (rt: MujocoRuntime): MjModel => {
      const text = state.xml.get(main)!;
      const fs = rt.mujoco.FS as unknown as { chdir(path: string): void };
      let spec: MjSpec | undefined;
      fs.chdir(`${state.mountPath}${dirnameOf(main)}`);
      try {
        const parsed = rt.mujoco.parseXMLString(text);
        spec = parsed;
        parsed.memory = arena;
        const model = rt.mujoco.mj_compile(parsed);
        if (model === null || model === undefined) throw new Error('mj_compile returned no model');
        options.prepare?.(model);
        return model;
      } catch (cause) {
        throw new EnvError(
          `The MuJoCo model ${main} from ${state.dir} failed to compile: ${describeError(rt.mujoco, cause)}. Check that the folder holds the model files this env was written for.`,
          { cause },
        );
      } finally {
        spec?.delete();
        fs.chdir('/');
      }
    },
  });
}

function describeError(mujoco: unknown, cause: unknown): string {
  if (typeof cause === 'number') {
    const get = (mujoco as { getExceptionMessage?: (e: number) => unknown }).getExceptionMessage;
    if (typeof get === 'function') return String(get(cause));
  }
  return cause instanceof Error ? cause.message : String(cause);
}
