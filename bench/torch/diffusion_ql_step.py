#!/usr/bin/env python3
"""PyTorch reference of one Diffusion-QL training step, or of its action selection.

llmdpd's own reference, written from the algorithm (Wang, Hunt & Zhou, ICLR 2023,
arXiv 2208.06193) as docs/algorithms/diffusion-ql.md describes it, at the sizes `npm run
bench:agents` uses for its same-run speed ratio:

  observation 11, action 3, batch 256, K = 5 diffusion steps on the discrete VP schedule
  (beta_min 0.1, beta_max 10), gamma 0.99, Polyak tau 0.005, eta 1, Adam 3e-4, gradient-norm
  clip 4, EMA actor (decay 0.995 every 5 steps, in its steady state past step 1000).
  noise network eps(a_k, k, s): [a_k | t(k) | s] -> 3 x 256 Mish -> action, where
  t(k) = Linear(32 -> 16)(Mish(Linear(16 -> 32)(sinusoid_16(k))));
  critics Q1, Q2: [s | a] -> 3 x 256 Mish -> 1.

--mode step (default): critic step, actor step (diffusion BC loss + eta * normalised Q loss),
target updates. --mode act: the official action selection for one state: 50 candidates from the
actor's reverse chain, one drawn by softmax over the target critics' min Q.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/diffusion_ql_step.py --steps 40 --threads 1
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, OBSERVATION_DIM, SyntheticTransitions, mlp, parser, polyak, report, time_calls  # noqa: E402

STEP_EMBEDDING = 16


def vp_schedule(steps, beta_min=0.1, beta_max=10.0):
    """The discrete variance-preserving schedule: alpha_k for k = 1..K, in float64."""
    k = torch.arange(1, steps + 1, dtype=torch.float64)
    return torch.exp(-beta_min / steps - 0.5 * (beta_max - beta_min) * (2.0 * k - 1.0) / steps**2)


class NoiseNetwork(nn.Module):
    """eps_theta(a_k, k, s) with a sinusoidal step embedding refined by a small Mish MLP."""

    def __init__(self):
        super().__init__()
        half = STEP_EMBEDDING // 2
        self.register_buffer("frequencies", torch.exp(-math.log(10000.0) * torch.arange(half) / (half - 1)))
        self.step_mlp = nn.Sequential(nn.Linear(STEP_EMBEDDING, 2 * STEP_EMBEDDING), nn.Mish(),
                                      nn.Linear(2 * STEP_EMBEDDING, STEP_EMBEDDING))
        self.body = mlp(ACTION_DIM + STEP_EMBEDDING + OBSERVATION_DIM, ACTION_DIM)

    def forward(self, noisy_action, step, observation):
        angles = step.float()[:, None] * self.frequencies[None, :]
        embedding = self.step_mlp(torch.cat([angles.sin(), angles.cos()], dim=1))
        return self.body(torch.cat([noisy_action, embedding, observation], dim=1))


class DiffusionActor(nn.Module):
    """A conditional DDPM over actions in [-1, 1] that predicts the added noise."""

    def __init__(self, steps=5):
        super().__init__()
        self.steps = steps
        alpha = vp_schedule(steps)
        alpha_bar = torch.cumprod(alpha, 0)
        alpha_bar_previous = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bar[:-1]])
        beta = 1.0 - alpha
        tables = {
            "sqrt_alpha_bar": alpha_bar.sqrt(),
            "sqrt_one_minus_alpha_bar": (1.0 - alpha_bar).sqrt(),
            "sqrt_recip_alpha_bar": (1.0 / alpha_bar).sqrt(),
            "sqrt_recip_alpha_bar_minus_one": (1.0 / alpha_bar - 1.0).sqrt(),
            "posterior_mean_x0": beta * alpha_bar_previous.sqrt() / (1.0 - alpha_bar),
            "posterior_mean_xt": (1.0 - alpha_bar_previous) * alpha.sqrt() / (1.0 - alpha_bar),
            "posterior_std": (beta * (1.0 - alpha_bar_previous) / (1.0 - alpha_bar)).clamp(min=1e-20).sqrt(),
        }
        for name, table in tables.items():
            self.register_buffer(name, table.float())
        self.noise = NoiseNetwork()

    def behaviour_cloning_loss(self, action, observation):
        step = torch.randint(0, self.steps, (action.shape[0],))
        noise = torch.randn_like(action)
        noisy = self.sqrt_alpha_bar[step, None] * action + self.sqrt_one_minus_alpha_bar[step, None] * noise
        return F.mse_loss(self.noise(noisy, step, observation), noise)

    def forward(self, observation):
        """The reverse chain from a_K ~ N(0, I) to a_0, differentiable, clipped to [-1, 1]."""
        rows = observation.shape[0]
        action = torch.randn(rows, ACTION_DIM)
        for k in reversed(range(self.steps)):
            step = torch.full((rows,), k, dtype=torch.long)
            predicted = self.noise(action, step, observation)
            x0 = (self.sqrt_recip_alpha_bar[k] * action - self.sqrt_recip_alpha_bar_minus_one[k] * predicted).clamp(-1, 1)
            action = self.posterior_mean_x0[k] * x0 + self.posterior_mean_xt[k] * action
            if k > 0:
                action = action + self.posterior_std[k] * torch.randn_like(action)
        return action.clamp(-1.0, 1.0)


class TwinCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic1 = mlp(OBSERVATION_DIM + ACTION_DIM, 1)
        self.critic2 = mlp(OBSERVATION_DIM + ACTION_DIM, 1)

    def forward(self, observation, action):
        joint = torch.cat([observation, action], dim=1)
        return self.critic1(joint), self.critic2(joint)


class DiffusionQL:
    def __init__(self, learning_rate=3e-4, gamma=0.99, tau=0.005, eta=1.0, clip_norm=4.0,
                 ema_decay=0.995, ema_every=5, ema_start=1000):
        self.actor = DiffusionActor()
        self.ema_actor = DiffusionActor().requires_grad_(False)
        self.ema_actor.load_state_dict(self.actor.state_dict())
        self.critic = TwinCritic()
        self.target_critic = TwinCritic().requires_grad_(False)
        self.target_critic.load_state_dict(self.critic.state_dict())
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=learning_rate)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=learning_rate)
        self.gamma, self.tau, self.eta, self.clip_norm = gamma, tau, eta, clip_norm
        self.ema_decay, self.ema_every, self.ema_start = ema_decay, ema_every, ema_start
        self.step_count = ema_start  # time the steady state, where EMA updates run

    def update(self, observation, action, reward, next_observation, not_terminal):
        # Critic: y = r + gamma (1 - terminal) min(Q1', Q2')(s', a'), a' from the EMA actor.
        with torch.no_grad():
            next_action = self.ema_actor(next_observation)
            target = reward + not_terminal * self.gamma * torch.min(*self.target_critic(next_observation, next_action))
        q1, q2 = self.critic(observation, action)
        critic_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        nn.utils.clip_grad_norm_(self.critic.parameters(), self.clip_norm)
        self.critic_optimizer.step()

        # Actor: L_d + eta * L_q, where one critic's mean drives the gradient and the other's |mean| scales it.
        bc_loss = self.actor.behaviour_cloning_loss(action, observation)
        q1_new, q2_new = self.critic(observation, self.actor(observation))
        driver, scale = (q1_new, q2_new) if torch.rand(()) < 0.5 else (q2_new, q1_new)
        q_loss = -driver.mean() / scale.abs().mean().detach()
        actor_loss = bc_loss + self.eta * q_loss
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        nn.utils.clip_grad_norm_(self.actor.parameters(), self.clip_norm)
        self.actor_optimizer.step()

        # Targets: the EMA actor every ema_every steps, the Polyak critic every step.
        if self.step_count >= self.ema_start and self.step_count % self.ema_every == 0:
            polyak(self.ema_actor, self.actor, 1.0 - self.ema_decay)
        polyak(self.target_critic, self.critic, self.tau)
        self.step_count += 1
        return critic_loss.detach(), actor_loss.detach()

    @torch.no_grad()
    def act(self, observation, candidates=50):
        """The official selection: candidates from the online actor, one drawn by softmax over min target Q."""
        repeated = observation.reshape(1, -1).repeat(candidates, 1)
        actions = self.actor(repeated)
        q = torch.min(*self.target_critic(repeated, actions)).flatten()
        return actions[torch.multinomial(F.softmax(q, dim=0), 1)].squeeze(0)


def main():
    p = parser(__doc__)
    p.add_argument("--mode", choices=["step", "act"], default="step")
    p.add_argument("--candidates", type=int, default=50, help="candidate actions per act call")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    agent = DiffusionQL()
    if args.mode == "act":
        observation = torch.randn(OBSERVATION_DIM)
        timings, action = time_calls(lambda: agent.act(observation, args.candidates), args.steps, args.warmup)
        report("torch-diffusion-ql-act", timings, args, candidates=args.candidates,
               finite=bool(torch.isfinite(action).all()))
        return
    data = SyntheticTransitions()
    timings, (critic_loss, actor_loss) = time_calls(lambda: agent.update(*data.sample(args.batch)),
                                                    args.steps, args.warmup)
    report("torch-diffusion-ql-step", timings, args,
           finite=bool(torch.isfinite(critic_loss) and torch.isfinite(actor_loss)))


if __name__ == "__main__":
    main()
