import * as envs from '../../src/envs/index.js';

describe('envs index', () => {
  it('exports the public API and makes Pendulum-v1 right after import', async () => {
    for (const name of [
      'makeEnv',
      'registerEnv',
      'listEnvs',
      'envSpec',
      'checkEnv',
      'fromGymnasiumLike',
      'SyncVectorEnv',
      'PendulumEnv',
      'Wrapper',
      'TimeLimit',
      'RecordEpisodeStatistics',
      'ClipAction',
      'RescaleAction',
      'NormalizeObservation',
      'OrderEnforcing',
    ]) {
      expect(typeof (envs as Record<string, unknown>)[name]).toBe('function');
    }
    const env = envs.makeEnv('Pendulum-v1');
    expect(env.unwrapped).toBeInstanceOf(envs.PendulumEnv);
    const report = await envs.checkEnv(new envs.RescaleAction(env as never, { min: -1, max: 1 }), { steps: 10 });
    expect(report.warnings).toEqual([]);
  });
});
