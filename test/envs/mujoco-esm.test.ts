/**
 * The test setup loads @mujoco/mujoco, an ESM-only package with a WebAssembly core, as
 * production code will (the MuJoCo locomotion envs build on it). A falling free body must
 * obey gravity: after 1 s of simulation from rest, z = z0 - g t^2 / 2 to within a timestep.
 */
import loadMujoco from '@mujoco/mujoco';

const FALLING_BOX = `
<mujoco>
  <option timestep="0.002" gravity="0 0 -9.81"/>
  <worldbody>
    <body name="box" pos="0 0 10">
      <freejoint/>
      <geom type="box" size="0.1 0.1 0.1" mass="2"/>
    </body>
  </worldbody>
</mujoco>`;

test('@mujoco/mujoco loads under jest (ESM + wasm) and simulates a falling body', async () => {
  const mujoco = await loadMujoco();
  const model = mujoco.MjModel.from_xml_string(FALLING_BOX);
  const data = new mujoco.MjData(model);
  try {
    expect(model.nq).toBe(7); // free joint: position (3) + quaternion (4)
    expect((model.body_mass as Float64Array)[1]).toBeCloseTo(2, 10);
    for (let i = 0; i < 500; i++) mujoco.mj_step(model, data);
    const z = (data.qpos as Float64Array)[2];
    const t = 500 * 0.002;
    expect(z).toBeCloseTo(10 - (9.81 * t * t) / 2, 1);
    expect(z).toBeLessThan(10 - 4.8);
  } finally {
    data.delete();
    model.delete();
  }
});
