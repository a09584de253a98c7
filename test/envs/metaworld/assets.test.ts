/**
 * How the Meta-World envs find the user's asset folder, and what they say when it is missing,
 * incomplete or not loaded yet. Runs without the real assets: folders are made in a temp dir.
 * Its own file, so the MuJoCo runtime and the asset cache start empty.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvError } from '../../../src/core/errors.js';
import {
  METAWORLD_ASSETS_ENV,
  MetaWorldAssetsError,
  loadMetaWorldAssets,
  resolveMetaWorldAssetsDir,
} from '../../../src/envs/metaworld/assets.js';
import { BoxCloseEnv } from '../../../src/envs/metaworld/tasks/box-close.js';
import {
  mountMujocoModelFolder,
  mujocoModelFromFolder,
  normalizeRelativePath,
  stripTexturesFromXml,
} from '../../../src/envs/mujoco/model-folder.js';
import { MujocoSimulation } from '../../../src/envs/mujoco/simulation.js';
import { makeEnv, makeEnvAsync } from '../../../src/envs/registry.js';

const saved = process.env[METAWORLD_ASSETS_ENV];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-mw-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved === undefined) delete process.env[METAWORLD_ASSETS_ENV];
  else process.env[METAWORLD_ASSETS_ENV] = saved;
});

test('with no folder named, the error is typed and says where an installed metaworld keeps its assets', () => {
  delete process.env[METAWORLD_ASSETS_ENV];
  let error: unknown;
  try {
    resolveMetaWorldAssetsDir({}, 'MetaWorld/box-close-v3');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MetaWorldAssetsError);
  expect(error).toBeInstanceOf(EnvError);
  const message = (error as Error).message;
  expect(message).toContain('METAWORLD_ASSETS');
  expect(message).toContain('assetsDir');
  expect(message).toContain('python3 -c "import metaworld, os; print(os.path.dirname(metaworld.__file__))"');
  expect(message).toContain('`assets` subfolder');
  expect(() => new BoxCloseEnv()).toThrow(MetaWorldAssetsError);
  expect(() => makeEnv('MetaWorld/box-close-v3')).toThrow(MetaWorldAssetsError);
});

test('the option wins over the environment variable; a blank option is refused', () => {
  process.env[METAWORLD_ASSETS_ENV] = '/from/env';
  expect(resolveMetaWorldAssetsDir({})).toBe('/from/env');
  expect(resolveMetaWorldAssetsDir({ assetsDir: '/from/option' })).toBe('/from/option');
  expect(() => resolveMetaWorldAssetsDir({ assetsDir: ' ' })).toThrow(MetaWorldAssetsError);
  delete process.env[METAWORLD_ASSETS_ENV];
});

test('a missing folder rejects with the folder and the hint; makeEnvAsync passes assetsDir to the loader', async () => {
  const missing = join(dir, 'no-such-folder');
  await expect(loadMetaWorldAssets({ assetsDir: missing })).rejects.toThrow(MetaWorldAssetsError);
  await expect(loadMetaWorldAssets({ assetsDir: missing })).rejects.toThrow(/does not exist.*pip install metaworld/s);
  await expect(makeEnvAsync('MetaWorld/box-close-v3', { assetsDir: missing })).rejects.toThrow(
    new RegExp(`${missing.replace(/[/\\]/g, '.')}.*does not exist`),
  );
});

test('an incomplete folder names the file that is missing and the model that needs it', async () => {
  const root = join(dir, 'incomplete');
  mkdirSync(join(root, 'sawyer_xyz'), { recursive: true });
  writeFileSync(
    join(root, 'sawyer_xyz', 'sawyer_box.xml'),
    '<mujoco><include file="../scene/basic_scene.xml"/><worldbody/></mujoco>',
  );
  await expect(loadMetaWorldAssets({ assetsDir: root })).rejects.toThrow(MetaWorldAssetsError);
  await expect(loadMetaWorldAssets({ assetsDir: root })).rejects.toThrow(
    /scene.basic_scene\.xml, which the model sawyer_xyz\/sawyer_box\.xml needs/,
  );
});

test('before its folder is loaded, an env says what to await', async () => {
  const root = join(dir, 'tiny');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(
    join(root, 'sub', 'm.xml'),
    '<mujoco><worldbody><body><freejoint/><geom size="0.1"/></body></worldbody></mujoco>',
  );
  await mountMujocoModelFolder(root, ['sub/m.xml']); // loads the runtime; the Meta-World folder stays unloaded
  expect(() => new BoxCloseEnv({ assetsDir: root })).toThrow(/Call `await loadMetaWorldAssets\(\{ assetsDir: /);
  expect(() => makeEnv('MetaWorld/box-close-v3', { assetsDir: root })).toThrow(
    /await makeEnvAsync\("MetaWorld\/box-close-v3"/,
  );
});

test('mounting follows includes and mesh files relative to the main file, skips comments and textures', async () => {
  const root = join(dir, 'folder');
  mkdirSync(join(root, 'models'), { recursive: true });
  mkdirSync(join(root, 'parts'), { recursive: true });
  mkdirSync(join(root, 'meshes'), { recursive: true });
  mkdirSync(join(root, 'textures'), { recursive: true });
  // A tetrahedron as an OBJ mesh.
  writeFileSync(
    join(root, 'meshes', 'tet.obj'),
    'v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n',
  );
  writeFileSync(join(root, 'textures', 'wood.png'), 'not a png');
  writeFileSync(
    join(root, 'parts', 'assets.xml'),
    '<mujocoinclude><asset><mesh name="tet" file="../meshes/tet.obj"/><texture name="t" type="2d" file="../textures/wood.png"/><material name="m" texture="t"/></asset></mujocoinclude>',
  );
  writeFileSync(
    join(root, 'models', 'main.xml'),
    '<mujoco><!-- <include file="../parts/missing.xml"/> --><include file="../parts/assets.xml"/>' +
      '<worldbody><body><freejoint/><geom type="mesh" mesh="tet" material="m"/></body></worldbody></mujoco>',
  );
  const folder = await mountMujocoModelFolder(root, ['models/main.xml']);
  expect([...folder.files].sort()).toEqual(['meshes/tet.obj', 'models/main.xml', 'parts/assets.xml']);
  expect(folder.stripTextures).toBe(true);
  // It compiles: the include and the mesh resolve, the (broken) texture is gone.
  const sim = new MujocoSimulation(mujocoModelFromFolder(folder, 'models/main.xml', { arenaBytes: 1 << 20 }), 'test');
  try {
    expect(sim.nq).toBe(7);
    expect(sim.nameToId('body', 'world')).toBe(0);
    expect(() => sim.nameToId('geom', 'nope')).toThrow(/no geom named "nope"/);
  } finally {
    sim.close();
  }
  expect(() => mujocoModelFromFolder(folder, 'models/other.xml')).toThrow(/not mounted/);
});

test('path and texture helpers', () => {
  expect(normalizeRelativePath('sawyer_xyz/../objects/./assets/x.xml')).toBe('objects/assets/x.xml');
  expect(normalizeRelativePath('../outside.xml')).toBeNull();
  expect(
    stripTexturesFromXml(
      '<asset><texture name="a" file="a.png"/><texture name="b" builtin="flat"></texture><material name="m" texture="a" rgba="1 0 0 1"/></asset>',
    ),
  ).toBe('<asset><material name="m" rgba="1 0 0 1"/></asset>');
});
