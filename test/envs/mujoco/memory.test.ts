/**
 * WASM memory of the MuJoCo envs: handles are counted and freed on close, compiled models are
 * shared, the heap does not grow across many resets and steps, and cached views survive heap
 * growth. The heap-size check is the one a leak would trip: every leaked MjData costs ~1 MiB
 * and a leaked model more, so even one per thousand resets would grow the heap.
 *
 * 10,000 resets run here (about 1 s); `bench/envs.js` repeats the count outside jest and reports it.
 */
import { Rng } from '../../../src/core/rng.js';
import type { Info } from '../../../src/envs/env.js';
import { HopperEnv } from '../../../src/envs/mujoco/hopper.js';
import { loadMujocoRuntime, mujocoMemoryStats } from '../../../src/envs/mujoco/runtime.js';
import { Walker2dEnv } from '../../../src/envs/mujoco/walker2d.js';
import { makeEnv } from '../../../src/envs/registry.js';

beforeAll(async () => {
  await loadMujocoRuntime();
});

test('10,000 resets (with steps and state reads in between) do not grow the WASM heap or leak handles', () => {
  const env = makeEnv<Float32Array, Float32Array>('Hopper-v4');
  const raw = env.unwrapped as HopperEnv;
  const rng = new Rng(0);
  const action = new Float32Array(3);
  try {
    for (let i = 0; i < 100; i++) void env.reset({ seed: i }); // warm-up
    const before = mujocoMemoryStats();
    expect(before).toMatchObject({ liveModels: 1, liveData: 1 });
    for (let i = 0; i < 10_000; i++) {
      void env.reset({ seed: i });
      if (i % 10 === 0) {
        for (let k = 0; k < 3; k++) action[k] = rng.uniform(-1, 1);
        void env.step(action);
        raw.getState();
        raw.copyDataArray('cfrc_ext');
      }
    }
    expect(mujocoMemoryStats()).toEqual(before);
  } finally {
    void env.close();
  }
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 0, liveData: 0 });
});

test('envs share one compiled model per file and close() frees every handle', () => {
  const base = mujocoMemoryStats();
  expect(base).toMatchObject({ liveModels: 0, liveData: 0 });
  const hoppers = [new HopperEnv({ version: 4 }), new HopperEnv({ version: 5 }), new HopperEnv({ version: 4 })];
  const walkers = [new Walker2dEnv({ version: 4 }), new Walker2dEnv({ version: 5 })];
  // hopper.xml once, walker2d.xml and walker2d_v5.xml once each; one MjData per env.
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 3, liveData: 5 });
  hoppers[0].close();
  hoppers[0].close(); // a second close releases nothing more
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 3, liveData: 4 });
  for (const e of [...hoppers, ...walkers]) e.close();
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 0, liveData: 0 });
  // Re-creating after the last close recompiles and works.
  const again = new HopperEnv({ version: 4 });
  expect(again.reset({ seed: 0 })[0]).toHaveLength(11);
  again.close();
});

test('the leak check can fail: envs dropped without close() stay counted and grow the heap', () => {
  const before = mujocoMemoryStats();
  const leaked = Array.from({ length: 40 }, () => new HopperEnv({ version: 4 }));
  const during = mujocoMemoryStats();
  expect(during.liveData).toBe(before.liveData + 40);
  expect(during.heapBytes).toBeGreaterThan(before.heapBytes); // 40 arenas of 1 MiB do not fit in the old heap
  for (const e of leaked) e.close();
  expect(mujocoMemoryStats().liveData).toBe(before.liveData);
});

test('an env keeps working when other envs grow the heap under its cached views', () => {
  const rollout = (growAt: number | undefined): Float32Array[] => {
    const env = new Walker2dEnv({ version: 4 });
    const rng = new Rng(5);
    const extra: Walker2dEnv[] = [];
    const out: Float32Array[] = [(env.reset({ seed: 3 }) as [Float32Array, Info])[0]];
    try {
      for (let t = 0; t < 60; t++) {
        if (t === growAt) {
          const heap = mujocoMemoryStats().heapBytes;
          while (mujocoMemoryStats().heapBytes === heap) extra.push(new Walker2dEnv({ version: 4 }));
        }
        const a = new Float32Array(6);
        for (let i = 0; i < 6; i++) a[i] = rng.uniform(-1, 1);
        const [obs, , terminated] = env.step(a);
        out.push(obs);
        if (terminated) out.push(env.reset()[0]);
      }
    } finally {
      env.close();
      for (const e of extra) e.close();
    }
    if (growAt !== undefined) expect(extra.length).toBeGreaterThan(0);
    return out;
  };
  const reference = rollout(undefined);
  const grown = rollout(20);
  expect(grown.map((o) => Array.from(o))).toEqual(reference.map((o) => Array.from(o)));
});
