#!/usr/bin/env python3
"""PyTorch reference of one SAC-N training step, or of its action selection.

llmdpd's own reference, written from the algorithm (An et al., NeurIPS 2021, arXiv 2110.01548) as
docs/algorithms/sac-n.md describes it, with CORL's network shapes and hyperparameters, at the sizes
`npm run bench:agents` uses for its same-run speed ratio:

  observation 11, action 3, batch 256, N critics (2: plain SAC; 10: CORL's default),
  gamma 0.99, Polyak tau 0.005, Adam 3e-4 for the actor, the critics and log alpha,
  target entropy -A, automatic temperature from alpha = 1.
  actor: s -> 3 x 256 ReLU -> heads mu (256 -> A) and log sigma (256 -> A), log sigma clipped to
  [-5, 2]; a = tanh(u), u ~ N(mu, sigma), log pi with the correction log(1 - tanh(u)^2 + 1e-6).
  critics: an ensemble of N networks [s | a] -> 3 x 256 ReLU -> 1, evaluated together as batched
  matrix products (one baddbmm per layer over the ensemble, as CORL's vectorised critic does).

--mode step (default): temperature step, actor step with the new alpha, critic step with the new
actor (soft target: min over the N target critics minus alpha log pi), Polyak update.
--mode act: the deterministic action tanh(mu(s)) for one state.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/sac_n_step.py --critics 10 --steps 40 --threads 1
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, HIDDEN, OBSERVATION_DIM, minimize, parser, polyak, time_agent  # noqa: E402


class EnsembleLinear(nn.Module):
    """N independent linear layers applied to N inputs at once: y_i = x_i W_i + b_i."""

    def __init__(self, inputs, outputs, members):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(members, inputs, outputs))
        self.bias = nn.Parameter(torch.empty(members, 1, outputs))
        bound = 1.0 / math.sqrt(inputs)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleCritic(nn.Module):
    """N critics [s | a] -> 3 x 256 ReLU -> 1; biases 0.1, last layer U(+-3e-3)."""

    def __init__(self, members):
        super().__init__()
        self.members = members
        layers, width = [], OBSERVATION_DIM + ACTION_DIM
        for _ in range(3):
            layers += [EnsembleLinear(width, HIDDEN, members), nn.ReLU()]
            width = HIDDEN
        layers.append(EnsembleLinear(width, 1, members))
        self.net = nn.Sequential(*layers)
        with torch.no_grad():
            for layer in self.net[::2]:
                layer.bias.fill_(0.1)
            self.net[-1].weight.uniform_(-3e-3, 3e-3)
            self.net[-1].bias.uniform_(-3e-3, 3e-3)

    def forward(self, observation, action):
        joint = torch.cat([observation, action], dim=-1).unsqueeze(0).repeat_interleave(self.members, dim=0)
        return self.net(joint).squeeze(-1)  # [N, B]


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(OBSERVATION_DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                                   nn.Linear(HIDDEN, HIDDEN), nn.ReLU())
        self.mu = nn.Linear(HIDDEN, ACTION_DIM)
        self.log_sigma = nn.Linear(HIDDEN, ACTION_DIM)
        with torch.no_grad():
            for layer in self.trunk[::2]:
                layer.bias.fill_(0.1)
            for head in (self.mu, self.log_sigma):
                head.weight.uniform_(-1e-3, 1e-3)
                head.bias.uniform_(-1e-3, 1e-3)

    def forward(self, observation, deterministic=False):
        hidden = self.trunk(observation)
        mu, log_sigma = self.mu(hidden), self.log_sigma(hidden).clip(-5.0, 2.0)
        distribution = torch.distributions.Normal(mu, log_sigma.exp())
        u = mu if deterministic else distribution.rsample()
        action = torch.tanh(u)
        log_prob = (distribution.log_prob(u) - torch.log(1.0 - action.pow(2) + 1e-6)).sum(-1)
        return action, log_prob


class SACN:
    def __init__(self, members, learning_rate=3e-4, gamma=0.99, tau=0.005):
        self.actor = Actor()
        self.critic = EnsembleCritic(members)
        self.target_critic = EnsembleCritic(members).requires_grad_(False)
        self.target_critic.load_state_dict(self.critic.state_dict())
        self.log_alpha = torch.zeros((), requires_grad=True)
        self.target_entropy = -float(ACTION_DIM)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=learning_rate)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=learning_rate)
        self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=learning_rate)
        self.gamma, self.tau = gamma, tau

    def update(self, observation, action, reward, next_observation, not_terminal):
        # Temperature: -mean(log alpha * (log pi + H)), on its own draw.
        with torch.no_grad():
            _, log_prob = self.actor(observation)
        alpha_loss = -(self.log_alpha * (log_prob + self.target_entropy)).mean()
        minimize(self.alpha_optimizer, alpha_loss)
        alpha = self.log_alpha.exp().detach()

        # Actor: mean(alpha log pi - min_i Q_i(s, a~pi)), with the new alpha.
        new_action, log_prob = self.actor(observation)
        q_min = self.critic(observation, new_action).min(0).values
        actor_loss = (alpha * log_prob - q_min).mean()
        minimize(self.actor_optimizer, actor_loss)

        # Critics: soft targets from the updated actor and the target ensemble.
        with torch.no_grad():
            next_action, next_log_prob = self.actor(next_observation)
            q_next = self.target_critic(next_observation, next_action).min(0).values - alpha * next_log_prob
            target = reward.squeeze(-1) + self.gamma * not_terminal.squeeze(-1) * q_next
        critic_loss = ((self.critic(observation, action) - target.unsqueeze(0)) ** 2).mean(1).sum(0)
        minimize(self.critic_optimizer, critic_loss)

        polyak(self.target_critic, self.critic, self.tau)
        return critic_loss.detach(), actor_loss.detach()

    @torch.no_grad()
    def act(self, observation):
        return self.actor(observation.reshape(1, -1), deterministic=True)[0].squeeze(0)


def main():
    p = parser(__doc__)
    p.add_argument("--mode", choices=["step", "act"], default="step")
    p.add_argument("--critics", type=int, default=10, help="ensemble size N")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    time_agent(args, SACN(args.critics), "sac-n", critics=args.critics)


if __name__ == "__main__":
    main()
