/**
 * What a kernel provider is: the interface `engine/kernels.ts` registers with tfjs and that the
 * native addon (`engine/native.ts`) and the wasm module (`engine/wasm-kernels.ts`) implement, and
 * the scalars of the fused steps. See docs/engine.md.
 *
 * @module
 */
/** A WebAssembly memory (the project compiles without the DOM typings). */
export interface WasmMemory {
  /** The memory's current bytes; a new object after every growth. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
/** The parts of the WebAssembly API the engine uses. */
export interface WebAssemblyApi {
  /** The Memory class (for `instanceof` checks). */
  readonly Memory: abstract new (...args: never[]) => WasmMemory;
  /** Compiles and instantiates a module. */
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}

/** `globalThis.WebAssembly`, typed. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Which kernels run the hot operations: a native set, the wasm module, or the stock tfjs ops. */
export type KernelSetName = 'native-avx512' | 'native-avx2' | 'native-portable' | 'wasm' | 'tfjs';

/**
 * One implementation of the kernels. Every pointer is a byte offset into the wasm backend's
 * memory; `bias` and `noise` take −1 for none. Shapes are checked before a provider is called.
 */
export interface KernelProvider {
  /** The set this provider runs. */
  readonly name: Exclude<KernelSetName, 'tfjs'>;
  /** Threads its kernels may use. */
  readonly threads: number;
  /**
   * C[m,n] = act(op(A)·op(B) + bias[n]); A is [m,k] ([k,m] when transA), B is [k,n] ([n,k] when
   * transB). With `epilogue` (only when {@link KernelProvider.fusedEpilogue}): Mish as act,
   * the value before it into `pre`, and Σ_k op(B)[k, j] into `bColumnSums` (−1: not wanted).
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    transA: boolean,
    b: number,
    transB: boolean,
    bias: number,
    c: number,
    epilogue?: GemmEpilogue,
  ): void;
  /** Whether {@link KernelProvider.gemm} takes an epilogue (else the kernels compose it from passes). */
  readonly fusedEpilogue: boolean;
  /** out[j] = Σ_i x[i,j] for an m×n x. */
  columnSums(x: number, m: number, n: number, out: number): void;
  /** y = Mish(x), n values. */
  mish(x: number, y: number, n: number): void;
  /** dx = dy·Mish′(x), n values. */
  mishGrad(dy: number, x: number, dx: number, n: number): void;
  /**
   * One Adam step of n values; see {@link AdamStepScalars}. `out` may be `[w, m, v]` (in place:
   * each output its own input, never a shifted range of it).
   */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    out: readonly [number, number, number],
    n: number,
    s: AdamStepScalars,
  ): void;
  /** Σ x², n values, summed in float64. */
  sumSquares(x: number, n: number): number;
  /** out = a·x + b·y over n values (out may be y: in place); null when this provider has none. */
  readonly blend: ((x: number, y: number, out: number, n: number, a: number, b: number) => void) | null;
  /**
   * Concatenation along an axis: `outer` blocks, each the inputs' `inner[i]` values in turn (at
   * most 14 inputs); null when this provider has none.
   */
  readonly concat: ((inputs: readonly number[], inner: readonly number[], outer: number, out: number) => void) | null;
  /** One reverse-diffusion step (see {@link DenoiseScalars}); null when this provider has none. */
  readonly denoise: ((x: number, eps: number, noise: number, out: number, n: number, s: DenoiseScalars) => void) | null;
  /** Its gradient with respect to x and ε; null when this provider has none. */
  readonly denoiseGrad:
    ((x: number, eps: number, dOut: number, dx: number, dEps: number, n: number, s: DenoiseScalars) => void) | null;
}

/** Extra work of a fused product: see {@link KernelProvider.gemm}. */
export interface GemmEpilogue {
  /** Apply Mish to the result. */
  readonly mish: boolean;
  /** Where the value before Mish goes (−1: nowhere). */
  readonly pre: number;
  /** Where Σ_k op(B)[k, j] goes (−1: nowhere). */
  readonly bColumnSums: number;
}

/** Scalars of one {@link wasmAdam} step. */
export interface AdamStepScalars {
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** lr·√(1−β₂ᵗ)/(1−β₁ᵗ): the learning rate with both bias corrections folded in. */
  readonly stepSize: number;
  /** ε·√(1−β₂ᵗ). */
  readonly epsilonHat: number;
  /** Factor applied to the gradient first (global-norm clipping; 1 for none). */
  readonly gradScale: number;
}

/**
 * Coefficients of one reverse-diffusion step (DDPM posterior mean with a clipped x̂₀):
 *
 *   x̂₀ = clip(inputScale·x − noiseScale·ε, ±clip),  out = meanFromClean·x̂₀ + meanFromInput·x + sigma·z
 */
export interface DenoiseScalars {
  /** √(1/ᾱ_k): the weight of x in x̂₀. */
  readonly inputScale: number;
  /** √(1/ᾱ_k − 1): the weight of ε in x̂₀. */
  readonly noiseScale: number;
  /** The posterior mean's coefficient of x̂₀. */
  readonly meanFromClean: number;
  /** The posterior mean's coefficient of x. */
  readonly meanFromInput: number;
  /** σ_k, the weight of the fresh noise z (unused without z). */
  readonly sigma: number;
  /** The bound of x̂₀ (the action bound). */
  readonly clip: number;
}
