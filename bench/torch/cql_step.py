#!/usr/bin/env python3
"""PyTorch reference of one CQL training step, or of its action selection.

llmdpd's own reference, written from the algorithm (Kumar et al., NeurIPS 2020, arXiv 2006.04779)
as docs/algorithms/cql.md describes it, with CORL's network shapes and locomotion hyperparameters,
at the sizes `npm run bench:agents` uses for its same-run speed ratio:

  observation 11, action 3, batch 256, gamma 0.99, Polyak tau 0.005, Adam 3e-5 (actor, log alpha)
  and 3e-4 (critics), automatic temperature from alpha = 1 with target entropy -A, no entropy term
  in the TD target, conservative weight 10, n = 10 actions of each kind, T = 1, importance sampling.
  actor: s -> 3 x 256 ReLU -> 2A (mu, raw log sigma); log sigma = m * raw + o with learned scalars
  (m = 1, o = -1 at the start), clamped to [-20, 2]; a = tanh(u), log pi with the exact tanh correction.
  critics Q1, Q2: [s | a] -> 3 x 256 ReLU -> 1, orthogonal initialisation (gain sqrt 2, last layer 1e-2).

--mode step (default): the actor and temperature losses on a~pi(s), the TD loss on a'~pi(s'), the
conservative term over uniform, pi(s) and pi(s') actions evaluated at s (each critic evaluated once
per kind on B*n rows), then the alpha, actor and critic steps and the Polyak update.
--mode act: the deterministic action tanh(mu(s)) for one state.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/cql_step.py --steps 40 --threads 1
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, OBSERVATION_DIM, mlp, minimize, parser, polyak, time_agent  # noqa: E402


def repeat_rows(x, n):
    """[B, D] -> [B * n, D], each row n times in place."""
    return x.unsqueeze(1).expand(-1, n, -1).reshape(-1, x.shape[-1])


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp(OBSERVATION_DIM + ACTION_DIM, 1, activation=nn.ReLU)
        linears = [m for m in self.net if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for layer in linears[:-1]:
                nn.init.orthogonal_(layer.weight, gain=math.sqrt(2.0))
                layer.bias.zero_()
            nn.init.orthogonal_(linears[-1].weight, gain=1e-2)
            linears[-1].bias.zero_()

    def forward(self, observation, action):
        return self.net(torch.cat([observation, action], dim=-1)).squeeze(-1)


class TanhGaussianActor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp(OBSERVATION_DIM, 2 * ACTION_DIM, activation=nn.ReLU)
        self.log_std_scale = nn.Parameter(torch.tensor(1.0))
        self.log_std_offset = nn.Parameter(torch.tensor(-1.0))
        with torch.no_grad():
            nn.init.xavier_uniform_(self.net[-1].weight, gain=1e-2)
            self.net[-1].bias.zero_()

    def forward(self, observation, deterministic=False):
        mean, raw = torch.split(self.net(observation), ACTION_DIM, dim=-1)
        log_std = (self.log_std_scale * raw + self.log_std_offset).clamp(-20.0, 2.0)
        if deterministic:
            return torch.tanh(mean), None
        u = mean + log_std.exp() * torch.randn_like(mean)
        normal = (-0.5 * ((u - mean) / log_std.exp()) ** 2 - log_std - 0.5 * math.log(2 * math.pi))
        log_jacobian = 2.0 * (math.log(2.0) - u - F.softplus(-2.0 * u))
        return torch.tanh(u), (normal - log_jacobian).sum(-1)


class CQL:
    def __init__(self, actor_lr=3e-5, critic_lr=3e-4, gamma=0.99, tau=0.005, weight=10.0, n_actions=10,
                 temperature=1.0):
        self.actor = TanhGaussianActor()
        self.critics = nn.ModuleList([Critic(), Critic()])
        self.target_critics = nn.ModuleList([Critic(), Critic()]).requires_grad_(False)
        self.target_critics.load_state_dict(self.critics.state_dict())
        self.log_alpha = torch.zeros((), requires_grad=True)
        self.target_entropy = -float(ACTION_DIM)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=actor_lr)
        self.critic_optimizer = torch.optim.Adam(self.critics.parameters(), lr=critic_lr)
        self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=actor_lr)
        self.gamma, self.tau, self.weight, self.n, self.temperature = gamma, tau, weight, n_actions, temperature

    def update(self, observation, action, reward, next_observation, not_terminal):
        batch, n = observation.shape[0], self.n
        # Actor and temperature losses on a ~ pi(s), with the critics of the start of the step.
        new_action, log_pi = self.actor(observation)
        alpha_loss = -(self.log_alpha * (log_pi + self.target_entropy).detach()).mean()
        alpha = self.log_alpha.exp().detach()
        q_new = torch.min(self.critics[0](observation, new_action), self.critics[1](observation, new_action))
        actor_loss = (alpha * log_pi - q_new).mean()

        # TD loss: y = r + gamma (1 - terminal) min_i Q_i'(s', a'), a' ~ pi(s'), no entropy term.
        with torch.no_grad():
            next_action, _ = self.actor(next_observation)
            q_next = torch.min(*[t(next_observation, next_action) for t in self.target_critics])
            target = reward.squeeze(-1) + self.gamma * not_terminal.squeeze(-1) * q_next
        q_data = [q(observation, action) for q in self.critics]
        td_loss = sum(F.mse_loss(q, target) for q in q_data)

        # Conservative term: importance-sampled logsumexp over uniform, pi(s) and pi(s') actions at s.
        with torch.no_grad():
            states = repeat_rows(observation, n)
            random_actions = torch.empty(batch * n, ACTION_DIM).uniform_(-1.0, 1.0)
            current_actions, current_log_pi = self.actor(states)
            next_actions, next_log_pi = self.actor(repeat_rows(next_observation, n))
        random_density = ACTION_DIM * math.log(0.5)
        conservative = 0.0
        for q, critic in zip(q_data, self.critics):
            q_random = critic(states, random_actions).view(batch, n)
            q_next_pi = critic(states, next_actions).view(batch, n)
            q_current = critic(states, current_actions).view(batch, n)
            values = torch.cat([q_random - random_density, q_next_pi - next_log_pi.view(batch, n),
                                q_current - current_log_pi.view(batch, n)], dim=1)
            gap = (torch.logsumexp(values / self.temperature, dim=1) * self.temperature - q).mean()
            conservative = conservative + self.weight * gap
        critic_loss = td_loss + conservative

        minimize(self.alpha_optimizer, alpha_loss)
        minimize(self.actor_optimizer, actor_loss)
        minimize(self.critic_optimizer, critic_loss)
        polyak(self.target_critics, self.critics, self.tau)
        return critic_loss.detach(), actor_loss.detach()

    @torch.no_grad()
    def act(self, observation):
        return self.actor(observation.reshape(1, -1), deterministic=True)[0].squeeze(0)


def main():
    p = parser(__doc__)
    p.add_argument("--mode", choices=["step", "act"], default="step")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    time_agent(args, CQL(), "cql")


if __name__ == "__main__":
    main()
