import { ConfigError } from '../../src/core/errors.js';
import {
  BETA_SCHEDULE_NAMES,
  type BetaScheduleName,
  betaSchedule,
  cosineBetaSchedule,
  diffusionCoefficients,
  linearBetaSchedule,
  vpBetaSchedule,
} from '../../src/nets/schedules.js';
import { expectClose } from '../support/tensors.js';

/**
 * The K = 5 VP table, column by column: Diffusion-QL's `vp_beta_schedule` and the DDPM constants
 * of `docs/nets.md`, "Noise schedules", computed independently with numpy in float64 and rounded
 * to 6 decimals. Index 0..4 = the network's time input.
 */
const VP5 = {
  betas: [0.195875, 0.458818, 0.635781, 0.754878, 0.835031],
  alphas: [0.804125, 0.541182, 0.364219, 0.245122, 0.164969],
  alphasCumprod: [0.804125, 0.435178, 0.1585, 0.038852, 0.006409],
  sqrtAlphasCumprod: [0.89673, 0.65968, 0.398121, 0.197109, 0.080058],
  sqrtOneMinusAlphasCumprod: [0.442577, 0.751546, 0.917333, 0.980382, 0.99679],
  sqrtRecipAlphasCumprod: [1.115162, 1.515886, 2.511801, 5.073343, 12.490895],
  sqrtRecipM1AlphasCumprod: [0.493545, 1.139259, 2.304158, 4.973812, 12.450802],
  posteriorVariance: [0, 0.159114, 0.426742, 0.660907, 0.807766],
  posteriorMeanCoef1: [1.0, 0.728435, 0.49841, 0.312681, 0.165654],
  posteriorMeanCoef2: [0, 0.255116, 0.405078, 0.433466, 0.392901],
} as const;

describe('vpBetaSchedule and diffusionCoefficients (golden: numpy float64 table, K = 5)', () => {
  const c = diffusionCoefficients(vpBetaSchedule(5));

  test.each(Object.keys(VP5) as (keyof typeof VP5)[])('%s matches every cell of the table to 1e-6', (key) => {
    // atol 1e-6 covers the table's 6-decimal rounding (at most 5e-7); rtol 0 so large cells are not let off.
    expectClose(c[key], VP5[key], 1e-6, 0);
  });

  test('alphasCumprodPrev starts at 1 and shifts alphasCumprod by one', () => {
    expectClose(c.alphasCumprodPrev, [1, ...Array.from(c.alphasCumprod.subarray(0, 4))], 1e-15, 0);
  });

  test('posterior log variance is clipped at ln 1e-20 where the variance is 0, and is the plain log elsewhere', () => {
    expect(c.posteriorVariance[0]).toBe(0);
    expect(c.posteriorLogVarianceClipped[0]).toBeCloseTo(Math.log(1e-20), 12);
    expect(c.posteriorLogVarianceClipped[0]).toBeCloseTo(-46.0517019, 6);
    for (let k = 1; k < 5; k++)
      expect(c.posteriorLogVarianceClipped[k]).toBeCloseTo(Math.log(c.posteriorVariance[k]), 12);
    expectClose(
      c.logOneMinusAlphasCumprod,
      Array.from(c.alphasCumprod, (a) => Math.log(1 - a)),
      1e-15,
      1e-12,
    );
  });

  test('the closed-form VP formula, and betaSchedule("vp") is the default-option VP schedule', () => {
    const K = 5;
    const expected = Array.from(
      { length: K },
      (_, i) => 1 - Math.exp(-0.1 / K - (0.5 * 9.9 * (2 * (i + 1) - 1)) / (K * K)),
    );
    expectClose(vpBetaSchedule(K), expected, 1e-15, 0);
    expect(Array.from(betaSchedule('vp', K))).toEqual(Array.from(vpBetaSchedule(K)));
    expect(vpBetaSchedule(K, { betaMin: 0.1, betaMax: 10 })).toEqual(vpBetaSchedule(K));
  });

  test('reconstructing x0 from x_k with the true noise is exact', () => {
    // If x_k = √ᾱ_k x0 + √(1−ᾱ_k) ε and ε̂ = ε, the reconstruction is exact:
    // √(1/ᾱ_k)·x_k − √(1/ᾱ_k − 1)·ε = x0.
    const x0 = 0.3;
    const eps = -1.7;
    for (let k = 0; k < 5; k++) {
      const xk = c.sqrtAlphasCumprod[k] * x0 + c.sqrtOneMinusAlphasCumprod[k] * eps;
      const rec = c.sqrtRecipAlphasCumprod[k] * xk - c.sqrtRecipM1AlphasCumprod[k] * eps;
      expect(rec).toBeCloseTo(x0, 12);
    }
  });
});

describe('linearBetaSchedule', () => {
  test('is np.linspace(1e-4, 2e-2, K), computed independently', () => {
    for (const K of [2, 5, 100]) {
      const expected = Array.from({ length: K }, (_, i) => 1e-4 + ((2e-2 - 1e-4) * i) / (K - 1));
      expectClose(linearBetaSchedule(K), expected, 1e-15, 1e-12);
    }
    expectClose(linearBetaSchedule(5), [0.0001, 0.005075, 0.01005, 0.015025, 0.02], 1e-15, 1e-12);
    expect(Array.from(linearBetaSchedule(1))).toEqual([1e-4]);
    expectClose(linearBetaSchedule(3, { start: 0.1, end: 0.3 }), [0.1, 0.2, 0.3], 1e-15, 0);
  });

  test('the linear schedule leaves almost no noise at K = 5 (docs/nets.md: ᾱ₄ ≈ 0.95; exactly 0.95063)', () => {
    const c = diffusionCoefficients(betaSchedule('linear', 5));
    const last = c.alphasCumprod[4];
    const expected = [0.0001, 0.005075, 0.01005, 0.015025, 0.02].reduce((p, b) => p * (1 - b), 1);
    expect(last).toBeCloseTo(expected, 14);
    expect(last).toBeCloseTo(0.95063, 5);
    expect(last).toBeGreaterThan(0.94);
  });
});

describe('cosineBetaSchedule', () => {
  // Independent transcription of the reference: x = linspace(0, K+1, K+1); ᾱ = cos²(((x/(K+1)) + s)/(1+s)·π/2);
  // normalise by ᾱ[0]; β = clip(1 − ᾱ[1:]/ᾱ[:-1], 0, 0.999).
  function reference(K: number, s = 0.008, maxBeta = 0.999): number[] {
    const steps = K + 1;
    const x = Array.from({ length: steps }, (_, i) => (i * steps) / (steps - 1));
    const ac = x.map((v) => Math.cos(((v / steps + s) / (1 + s)) * Math.PI * 0.5) ** 2);
    const norm = ac.map((v) => v / ac[0]);
    return Array.from({ length: K }, (_, i) => Math.min(Math.max(1 - norm[i + 1] / norm[i], 0), maxBeta));
  }

  test('matches the reference formula for several K, and the last beta is clipped to 0.999', () => {
    for (const K of [1, 5, 20, 100]) {
      const betas = cosineBetaSchedule(K);
      expectClose(betas, reference(K), 1e-12, 1e-10);
      expect(betas[K - 1]).toBe(0.999);
    }
    expectClose(cosineBetaSchedule(5), [0.1012941, 0.2795438, 0.4736354, 0.7240524, 0.999], 1e-7, 0);
    expectClose(cosineBetaSchedule(10, { s: 0.02, maxBeta: 0.9 }), reference(10, 0.02, 0.9), 1e-12, 1e-10);
  });

  test('ᾱ of the clipped schedule follows the cosine curve up to the clipped last step', () => {
    const K = 8;
    const c = diffusionCoefficients(cosineBetaSchedule(K));
    const f = (i: number): number => Math.cos((((i / K + 0.008) / 1.008) * Math.PI) / 2) ** 2;
    for (let k = 0; k < K - 1; k++) expect(c.alphasCumprod[k]).toBeCloseTo(f(k + 1) / f(0), 12);
  });
});

describe('validation', () => {
  test('K must be a positive integer (ConfigError naming the received value)', () => {
    for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => vpBetaSchedule(bad)).toThrow(ConfigError);
      expect(() => linearBetaSchedule(bad)).toThrow(ConfigError);
      expect(() => cosineBetaSchedule(bad)).toThrow(ConfigError);
    }
    expect(() => betaSchedule('vp', 0)).toThrow(/K must be a positive integer, received 0/);
  });

  test('an unknown schedule name is a ConfigError that lists the valid names', () => {
    expect(() => betaSchedule('sigmoid' as BetaScheduleName, 5)).toThrow(ConfigError);
    expect(() => betaSchedule('sigmoid' as BetaScheduleName, 5)).toThrow(
      /"sigmoid"; expected one of 'vp', 'linear', 'cosine'/,
    );
    expect(BETA_SCHEDULE_NAMES).toEqual(['vp', 'linear', 'cosine']);
    for (const name of BETA_SCHEDULE_NAMES) expect(betaSchedule(name, 5)).toHaveLength(5);
  });

  test('betas outside (0, 1) and non-finite options are rejected', () => {
    expect(() => linearBetaSchedule(5, { start: 0 })).toThrow(/beta\[0\] = 0/);
    expect(() => linearBetaSchedule(5, { end: 1 })).toThrow(ConfigError);
    expect(() => vpBetaSchedule(5, { betaMax: Number.NaN })).toThrow(/betaMax must be a finite number/);
    expect(() => diffusionCoefficients([])).toThrow(ConfigError);
    expect(() => diffusionCoefficients([0.1, 1])).toThrow(ConfigError);
    expect(() => diffusionCoefficients([0.1, -0.1])).toThrow(ConfigError);
  });

  test('diffusionCoefficients copies its input and accepts plain arrays', () => {
    const betas = vpBetaSchedule(5);
    const c = diffusionCoefficients(Array.from(betas));
    expect(c.steps).toBe(5);
    expect(c.betas).not.toBe(betas);
    expect(Array.from(c.betas)).toEqual(Array.from(betas));
  });
});
