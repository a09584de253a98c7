#!/usr/bin/env python3
"""One Diffusion-QL update step in PyTorch with fixed weights, data and noise: the reference of
llmdpd's parity test (test/agents/diffusion-ql-parity.test.ts).

llmdpd's own script, written from the algorithm as docs/algorithms/diffusion-ql.md describes it
(Wang, Hunt & Zhou, ICLR 2023; the official code's update order), at hopper sizes: observation
11, action 3, 3 x 256 Mish networks, batch 256, K = 5 (VP schedule), gamma 0.99, tau 0.005,
eta 1, Adam 3e-4, gradient-norm clip 4, EMA actor not yet started (step 0 < 1000).

Nothing is random here, so the TypeScript test can rebuild every input instead of reading it:
- every weight and bias is bound * sin(1.618 * f + 0.5 * t + 0.1), with f the element's flat
  index in PyTorch's layout, t the parameter's position in PARAMETERS and bound = 1/sqrt(fan_in);
- the batch is made of sines of the row and column (see batch());
- the update's noise comes from llmdpd's own generator (xoshiro128** with Box-Muller, class Rng
  below, a transliteration of src/core/rng.ts) started from the state NOISE_WORDS, and is drawn in
  the order the TypeScript update draws it: the critic coin, the EMA actor's chain, the BC loss's
  steps and noise, the actor's chain.

Writes the losses, and for each of llmdpd's variables (in its layout and order) the values of 32
elements after the step: the online weights, Adam's first moments (0.1 x the clipped gradient)
and the target critic. Run once; the output is the committed fixture:
  /usr/bin/python3 bench/torch/diffusion_ql_parity.py > test/fixtures/agents/diffusion-ql-parity.json
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

S, A, H, B, K, T_DIM = 11, 3, 256, 256, 5, 16
DISCOUNT, TAU, ETA, LR, CLIP, MAX_ACTION = 0.99, 0.005, 1.0, 3e-4, 4.0, 1.0
NOISE_WORDS = (0x12345678, 0x9ABCDEF0, 0x0F1E2D3C, 0x4B5A6978)
SAMPLES = 32
M32 = 0xFFFFFFFF


class Rng:
    """xoshiro128** and the draws of src/core/rng.ts: float (53 bits), int (rejection), normal pairs."""

    def __init__(self, words):
        self.s = list(words)
        self.spare = None

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        m = (s1 * 5) & M32
        result = ((((m << 7) | (m >> 25)) & M32) * 9) & M32
        t = (s1 << 9) & M32
        n2, n3 = s2 ^ s0, s3 ^ s1
        self.s = [s0 ^ n3, s1 ^ n2, n2 ^ t, ((n3 << 11) | (n3 >> 21)) & M32]
        return result

    def float(self):
        hi = self.next_uint32() >> 5
        lo = self.next_uint32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            x = self.next_uint32()
            if x < limit:
                return x % n

    def normal_pair(self):
        u1 = 1 - self.float()
        u2 = self.float()
        r = math.sqrt(-2 * math.log(u1))
        theta = 2 * math.pi * u2
        return r * math.cos(theta), r * math.sin(theta)

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        a, b = self.normal_pair()
        self.spare = b
        return a

    def fill_normal(self, n):
        out, i = [0.0] * n, 0
        if self.spare is not None and n > 0:
            out[0], i = self.normal(), 1
        while i + 1 < n:
            out[i], out[i + 1] = self.normal_pair()
            i += 2
        if i < n:
            out[i] = self.normal()
        return torch.tensor(out, dtype=torch.float32)


def vp_coefficients():
    """DDPM constants of the discrete VP schedule (beta_min 0.1, beta_max 10), in float64."""
    k = torch.arange(1, K + 1, dtype=torch.float64)
    alphas = torch.exp(-0.1 / K - 0.5 * (10.0 - 0.1) * (2 * k - 1) / K**2)
    betas = 1 - alphas
    bar = torch.cumprod(alphas, 0)
    bar_prev = torch.cat([torch.ones(1, dtype=torch.float64), bar[:-1]])
    variance = betas * (1 - bar_prev) / (1 - bar)
    return {
        "sqrt_bar": bar.sqrt(),
        "sqrt_one_minus_bar": (1 - bar).sqrt(),
        "sqrt_recip": (1 / bar).sqrt(),
        "sqrt_recip_m1": (1 / bar - 1).sqrt(),
        "coef1": betas * bar_prev.sqrt() / (1 - bar),
        "coef2": (1 - bar_prev) * alphas.sqrt() / (1 - bar),
        "sigma": (0.5 * torch.log(torch.clamp(variance, min=1e-20))).exp(),
    }


C = vp_coefficients()


class NoiseNet(nn.Module):
    def __init__(self):
        super().__init__()
        half = T_DIM // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / (half - 1)))
        self.time_mlp = nn.Sequential(nn.Linear(T_DIM, 2 * T_DIM), nn.Mish(), nn.Linear(2 * T_DIM, T_DIM))
        self.mid = nn.Sequential(nn.Linear(A + T_DIM + S, H), nn.Mish(), nn.Linear(H, H), nn.Mish(), nn.Linear(H, H), nn.Mish())
        self.final = nn.Linear(H, A)

    def forward(self, x, k, s):
        steps = k if torch.is_tensor(k) else torch.full((x.shape[0],), k)
        angle = steps.double().unsqueeze(1) * self.freqs.unsqueeze(0)
        t = self.time_mlp(torch.cat([angle.sin(), angle.cos()], 1).float())
        return self.final(self.mid(torch.cat([x, t, s], 1)))


def q_network():
    return nn.Sequential(nn.Linear(S + A, H), nn.Mish(), nn.Linear(H, H), nn.Mish(), nn.Linear(H, H), nn.Mish(), nn.Linear(H, 1))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.q1, self.q2 = q_network(), q_network()

    def forward(self, s, a):
        x = torch.cat([s, a], 1)
        return self.q1(x), self.q2(x)


def set_weights(actor, critic):
    """bound * sin(1.618 f + 0.5 t + 0.1) for parameter t, element f (PyTorch layout)."""
    params = list(actor.parameters()) + list(critic.parameters())
    with torch.no_grad():
        for t, p in enumerate(params):
            fan_in = p.shape[1] if p.dim() == 2 else params[t - 1].shape[1]
            f = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((torch.sin(1.618 * f + 0.5 * t + 0.1) / math.sqrt(fan_in)).float().reshape(p.shape))


def batch():
    b = torch.arange(B, dtype=torch.float64).unsqueeze(1)
    js, ja = torch.arange(S, dtype=torch.float64).unsqueeze(0), torch.arange(A, dtype=torch.float64).unsqueeze(0)
    s = torch.sin(0.31 * b + 0.77 * js)
    a = 0.9 * torch.sin(0.53 * b + 1.1 * ja + 0.2)
    r = torch.sin(0.11 * b)
    s2 = torch.cos(0.29 * b + 0.61 * js)
    terminal = (torch.arange(B) % 37 == 0).double().unsqueeze(1)
    return [x.float() for x in (s, a, r, s2, terminal)]


def sample(network, s, rng):
    """The reverse chain, with noise drawn as src/agents/diffusion/chain.ts draws it (one block, x_K first)."""
    noise = rng.fill_normal(s.shape[0] * A * K).reshape(K, s.shape[0], A)
    x = noise[0]
    for k in range(K - 1, -1, -1):
        eps = network(x, k, s)
        x0 = (x * float(C["sqrt_recip"][k]) - eps * float(C["sqrt_recip_m1"][k])).clamp(-MAX_ACTION, MAX_ACTION)
        x_next = x0 * float(C["coef1"][k]) + x * float(C["coef2"][k])
        if k > 0:
            x_next = x_next + noise[k] * float(C["sigma"][k])
        x = x_next
    return x.clamp(-MAX_ACTION, MAX_ACTION)


def bc_loss(network, a, s, rng):
    k = torch.tensor([rng.int(K) for _ in range(s.shape[0])])
    eps = rng.fill_normal(s.shape[0] * A).reshape(s.shape[0], A)
    noisy = a * C["sqrt_bar"][k].float().unsqueeze(1) + eps * C["sqrt_one_minus_bar"][k].float().unsqueeze(1)
    return F.mse_loss(network(noisy, k, s), eps)


def ours(actor, critic):
    """llmdpd's variables (layout [in, out], order of trainableVariables()) from the PyTorch modules."""
    w = lambda layer: layer.weight.detach().t().contiguous().clone()  # noqa: E731
    b = lambda layer: layer.bias.detach().clone()  # noqa: E731
    first = actor.mid[0].weight.detach()
    trunk_in = torch.cat([first[:, :A], first[:, A + T_DIM:]], 1).t().contiguous().clone()
    time_in = first[:, A:A + T_DIM].t().contiguous().clone()
    actor_vars = [w(actor.time_mlp[0]), b(actor.time_mlp[0]), w(actor.time_mlp[2]), b(actor.time_mlp[2]), time_in,
                  trunk_in, b(actor.mid[0]), w(actor.mid[2]), b(actor.mid[2]), w(actor.mid[4]), b(actor.mid[4]),
                  w(actor.final), b(actor.final)]
    critic_vars = []
    for q in (critic.q1, critic.q2):
        for i in (0, 2, 4, 6):
            critic_vars += [w(q[i]), b(q[i])]
    return actor_vars, critic_vars


def grads_like(actor, critic, optimizer_state):
    """Adam's first moments in llmdpd's layout: the same mapping applied to m instead of the weights."""
    def swap(module):
        return {p: optimizer_state[p]["exp_avg"] for p in module.parameters()}

    saved = [(p, p.data.clone()) for p in list(actor.parameters()) + list(critic.parameters())]
    with torch.no_grad():
        for m in (swap(actor), swap(critic)):
            for p, v in m.items():
                p.copy_(v)
    result = ours(actor, critic)
    with torch.no_grad():
        for p, v in saved:
            p.copy_(v)
    return result


def picks(n):
    """The 32 flat indices sampled from a variable of n elements (all of them when n <= 32)."""
    return list(range(n)) if n <= SAMPLES else sorted({(j * 104729 + 7) % n for j in range(SAMPLES)})


def main():
    torch.set_num_threads(1)
    actor, critic = NoiseNet(), Critic()
    set_weights(actor, critic)
    actor_ema = NoiseNet()
    actor_ema.load_state_dict(actor.state_dict())
    critic_target = Critic()
    critic_target.load_state_dict(critic.state_dict())
    actor_opt = torch.optim.Adam(actor.parameters(), lr=LR)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=LR)
    s, a, r, s2, terminal = batch()
    rng = Rng(NOISE_WORDS)

    first_critic = rng.float() > 0.5
    # Critic step: target actions from the EMA actor, min of the target critics.
    with torch.no_grad():
        next_actions = sample(actor_ema, s2, rng)
        tq1, tq2 = critic_target(s2, next_actions)
        y = r + (1 - terminal) * DISCOUNT * torch.min(tq1, tq2)
    q1, q2 = critic(s, a)
    critic_loss = F.mse_loss(q1, y) + F.mse_loss(q2, y)
    critic_opt.zero_grad()
    critic_loss.backward()
    nn.utils.clip_grad_norm_(critic.parameters(), max_norm=CLIP)
    critic_opt.step()
    # Actor step: BC loss + eta * normalised Q of the coin's critic on the actor's own actions.
    bc = bc_loss(actor, a, s, rng)
    n1, n2 = critic(s, sample(actor, s, rng))
    q_loss = -n1.mean() / n2.abs().mean().detach() if first_critic else -n2.mean() / n1.abs().mean().detach()
    actor_loss = bc + ETA * q_loss
    actor_opt.zero_grad()
    actor_loss.backward()
    nn.utils.clip_grad_norm_(actor.parameters(), max_norm=CLIP)
    actor_opt.step()
    # The EMA actor starts at step 1000; the target critics move by tau.
    with torch.no_grad():
        for t, o in zip(critic_target.parameters(), critic.parameters()):
            t.copy_(TAU * o + (1 - TAU) * t)

    actor_vars, critic_vars = ours(actor, critic)
    actor_m, critic_m = grads_like(actor, critic, {**actor_opt.state, **critic_opt.state})
    _, target_vars = ours(actor, critic_target)
    tensors = {}
    for group, values, moments in (("actor", actor_vars, actor_m), ("critic", critic_vars, critic_m),
                                   ("criticTarget", target_vars, None)):
        for i, v in enumerate(values):
            flat = v.reshape(-1)
            idx = picks(flat.numel())
            entry = {"shape": list(v.shape), "indices": idx, "values": [float(flat[j]) for j in idx]}
            if moments is not None:
                m = moments[i].reshape(-1)
                entry["firstMoments"] = [float(m[j]) for j in idx]
            tensors[f"{group}/{i}"] = entry
    json.dump({
        "about": "One Diffusion-QL update step computed by bench/torch/diffusion_ql_parity.py (torch "
                 f"{torch.__version__}); inputs are rebuilt by the test, see the script's docstring.",
        "noiseWords": list(NOISE_WORDS),
        "firstCritic": first_critic,
        "losses": {"loss/critic": critic_loss.item(), "loss/actor": actor_loss.item(), "loss/bc": bc.item(),
                   "value/qMean": n1.mean().item()},
        "tensors": tensors,
    }, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
