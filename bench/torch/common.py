"""Shared pieces of llmdpd's PyTorch reference benchmarks.

Every reference script in this folder times one training step (or one action selection) of an
algorithm at the sizes the TypeScript benchmarks use, and prints one JSON line, so that
`bench/*.js` can report same-run speed ratios. This module holds what they share: the timing loop,
the synthetic hopper-shaped data, the MLP builder and the report of which BLAS torch loaded.

Run with Debian's torch: `apt-get install python3-torch libopenblas0-pthread`, then
`/usr/bin/python3 bench/torch/<script>.py --help`.
"""
import argparse
import json
import statistics
import os
import time

import torch
import torch.nn as nn


def _sizes():
    """Observation, action and hidden widths: Hopper's (11, 3) and the reference implementations'
    3 x 256 networks, unless LLMDPD_REF_SIZES="OBSERVATION,ACTION,HIDDEN" sets others
    (bench/warmup.js runs the point mass's 4,2,64)."""
    text = os.environ.get("LLMDPD_REF_SIZES", "11,3,256")
    try:
        observation, action, hidden = (int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(f"LLMDPD_REF_SIZES must be three integers like 11,3,256, got {text!r}")
    return observation, action, hidden


OBSERVATION_DIM, ACTION_DIM, HIDDEN = _sizes()


def mlp(inputs, outputs, hidden=HIDDEN, layers=3, activation=nn.Mish):
    """`layers` hidden layers of width `hidden` with `activation`, then a linear output layer."""
    modules, width = [], inputs
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), activation()]
        width = hidden
    modules.append(nn.Linear(width, outputs))
    return nn.Sequential(*modules)


def minimize(optimizer, loss):
    """One optimiser step on `loss`: zero the gradients, backpropagate, step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def polyak(target, online, tau):
    """target <- (1 - tau) * target + tau * online, in place and without gradients."""
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(1.0 - tau).add_(o, alpha=tau)


class SyntheticTransitions:
    """Random hopper-shaped transitions, sampled uniformly with replacement as the TS benchmarks do."""

    def __init__(self, size=100_000, observation_dim=OBSERVATION_DIM, action_dim=ACTION_DIM):
        self.size = size
        self.observations = torch.randn(size, observation_dim)
        self.actions = torch.rand(size, action_dim) * 2.0 - 1.0
        self.rewards = torch.rand(size, 1) * 3.0
        self.next_observations = torch.randn(size, observation_dim)
        self.not_terminal = (torch.rand(size, 1) > 0.005).float()

    def sample(self, batch):
        rows = torch.randint(0, self.size, (batch,))
        return (self.observations[rows], self.actions[rows], self.rewards[rows],
                self.next_observations[rows], self.not_terminal[rows])


def loaded_blas():
    """Names of the BLAS libraries mapped into this process: they decide CPU timings."""
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line or "blis" in line})
    except OSError:
        return []


def parser(description):
    """The command-line options every reference script takes."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=40, help="timed calls (the median is reported)")
    p.add_argument("--warmup", type=int, default=5, help="untimed calls first")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    return p


def time_calls(call, steps, warmup):
    """Runs `call` warmup + steps times; returns the sorted timings in ms and the last result."""
    result = None
    for _ in range(warmup):
        result = call()
    timings = []
    for _ in range(steps):
        start = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - start) * 1e3)
    timings.sort()
    return timings, result


def report(impl, timings, args, **extra):
    """Prints the one JSON line the TypeScript benchmarks parse."""
    print(json.dumps({
        "impl": impl,
        "ms_per_step": round(statistics.median(timings), 3),
        "min_ms": round(timings[0], 3),
        "max_ms": round(timings[-1], 3),
        "steps": len(timings),
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "torch": torch.__version__,
        "blas": loaded_blas(),
        **extra,
    }))


def time_agent(args, agent, name, pair_steps=1, **extra):
    """Times `agent.act` on one state (`args.mode == "act"`) or `agent.update` on fresh batches, and reports.

    `agent.update(observation, action, reward, next_observation, not_terminal)` returns its losses;
    `agent.act(observation)` returns an action. The JSON line's impl is `torch-<name>-<mode>`. With
    pair_steps=2 each timed call runs two updates (agents whose steps alternate, like TD3's delayed
    actor) and the per-step time is half.
    """
    if args.mode == "act":
        observation = torch.randn(OBSERVATION_DIM)
        timings, action = time_calls(lambda: agent.act(observation), args.steps, args.warmup)
        report(f"torch-{name}-act", timings, args, finite=bool(torch.isfinite(action).all()), **extra)
        return
    data = SyntheticTransitions()

    def steps():
        for _ in range(pair_steps):
            losses = agent.update(*data.sample(args.batch))
        return losses

    timings, losses = time_calls(steps, args.steps, args.warmup)
    timings = [t / pair_steps for t in timings]
    report(f"torch-{name}-step", timings, args, finite=all(bool(torch.isfinite(x)) for x in losses), **extra)


def normalizer(size=100_000, observation_dim=OBSERVATION_DIM, eps=1e-3):
    """CORL's observation statistics: mean and std + eps of (synthetic) dataset observations."""
    observations = torch.randn(size, observation_dim)
    return observations.mean(0), observations.std(0) + eps


def normalized_action(actor, mean, std, observation):
    """CORL's evaluation: the actor's (mean) action for one raw observation, normalised first."""
    with torch.no_grad():
        state = (torch.as_tensor(observation, dtype=torch.float32).reshape(1, -1) - mean) / std
        return actor(state).flatten()


def run_agent_reference(name, make_agent, description, pair_steps=1, extra_options=()):
    """The `main` of an agent reference script: parse the options (the common ones, --mode step|act
    and `extra_options`, pairs of argparse flag and keyword arguments), seed, build
    `make_agent(args)` and time it."""
    p = parser(description)
    p.add_argument("--mode", choices=["step", "act"], default="step")
    for flag, options in extra_options:
        p.add_argument(flag, **options)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    time_agent(args, make_agent(args), name, pair_steps)
