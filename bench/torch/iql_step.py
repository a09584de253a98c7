#!/usr/bin/env python3
"""PyTorch reference of one IQL training step, or of its action, as CORL runs IQL.

llmdpd's own reference, written from the algorithm (Kostrikov, Nair & Levine, ICLR 2022) with
CORL's hyperparameters, at the sizes `npm run bench:agents` uses for its same-run speed ratio:

  observation 11, action 3, batch 256; Q1, Q2: [s | a] -> 2 x 256 ReLU -> 1; V: s -> 2 x 256
  ReLU -> 1; actor: s -> 2 x 256 ReLU -> 3 -> tanh, a Gaussian with a state-independent log std
  (--deterministic: the mean only, squared-error regression); Adam 3e-4 for all three, the
  actor's rate cosine-annealed over 1 M steps; gamma 0.99, Polyak tau 0.005, expectile 0.7,
  beta 3, advantage weights clipped at 100. Observations are normalised on the way in.

--mode step (default): V step (expectile of the target critics' min), Q step (towards
r + gamma V(s')), Polyak update, actor step (advantage-weighted regression). --mode act: the
mean action for one observation.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/iql_step.py --steps 40 --threads 1
"""
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, OBSERVATION_DIM, mlp, normalized_action, normalizer, polyak, run_agent_reference  # noqa: E402

EXP_ADV_MAX = 100.0


def relu_mlp(inputs, outputs):
    return mlp(inputs, outputs, layers=2, activation=nn.ReLU)


class IQL:
    def __init__(self, deterministic=False, learning_rate=3e-4, gamma=0.99, tau=0.005, expectile=0.7, beta=3.0,
                 max_steps=1_000_000):
        self.actor = nn.Sequential(relu_mlp(OBSERVATION_DIM, ACTION_DIM), nn.Tanh())
        self.log_std = None if deterministic else nn.Parameter(torch.zeros(ACTION_DIM))
        actor_parameters = list(self.actor.parameters()) + ([] if deterministic else [self.log_std])
        self.q1, self.q2 = relu_mlp(OBSERVATION_DIM + ACTION_DIM, 1), relu_mlp(OBSERVATION_DIM + ACTION_DIM, 1)
        self.q_target = nn.ModuleList([relu_mlp(OBSERVATION_DIM + ACTION_DIM, 1) for _ in range(2)])
        self.q_target.load_state_dict(nn.ModuleList([self.q1, self.q2]).state_dict())
        self.q_target.requires_grad_(False)
        self.value = relu_mlp(OBSERVATION_DIM, 1)
        self.value_optimizer = torch.optim.Adam(self.value.parameters(), lr=learning_rate)
        self.q_optimizer = torch.optim.Adam(list(self.q1.parameters()) + list(self.q2.parameters()), lr=learning_rate)
        self.actor_optimizer = torch.optim.Adam(actor_parameters, lr=learning_rate)
        self.actor_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(self.actor_optimizer, max_steps)
        self.gamma, self.tau, self.expectile, self.beta = gamma, tau, expectile, beta
        self.mean, self.std = normalizer()

    def update(self, observation, action, reward, next_observation, not_terminal):
        observation = (observation - self.mean) / self.std
        next_observation = (next_observation - self.mean) / self.std
        joint = torch.cat([observation, action], dim=1)
        with torch.no_grad():
            next_value = self.value(next_observation)
            target_q = torch.min(self.q_target[0](joint), self.q_target[1](joint))

        # V: the expectile of the target critics' min over the data's actions.
        advantage = target_q - self.value(observation)
        weight = torch.abs(self.expectile - (advantage < 0).float())
        value_loss = torch.mean(weight * advantage**2)
        self.value_optimizer.zero_grad(set_to_none=True)
        value_loss.backward()
        self.value_optimizer.step()

        # Q: towards r + gamma (1 - terminal) V(s'), then the Polyak targets.
        target = reward + not_terminal * self.gamma * next_value
        q_loss = (F.mse_loss(self.q1(joint), target) + F.mse_loss(self.q2(joint), target)) / 2
        self.q_optimizer.zero_grad(set_to_none=True)
        q_loss.backward()
        self.q_optimizer.step()
        polyak(self.q_target, nn.ModuleList([self.q1, self.q2]), self.tau)

        # Actor: advantage-weighted regression onto the data's actions.
        weights = torch.exp(self.beta * advantage.detach()).clamp(max=EXP_ADV_MAX)
        mean = self.actor(observation)
        if self.log_std is None:
            row_losses = torch.sum((mean - action) ** 2, dim=1, keepdim=True)
        else:
            std = torch.exp(self.log_std.clamp(-20.0, 2.0))
            row_losses = -torch.distributions.Normal(mean, std).log_prob(action).sum(-1, keepdim=True)
        actor_loss = torch.mean(weights * row_losses)
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()
        self.actor_schedule.step()
        return value_loss.detach(), q_loss.detach(), actor_loss.detach()

    def act(self, observation):
        return normalized_action(self.actor, self.mean, self.std, observation)


if __name__ == "__main__":
    deterministic = ("--deterministic", dict(action="store_true", help="the deterministic actor (CORL's hopper configs)"))
    run_agent_reference("iql", lambda args: IQL(deterministic=args.deterministic), __doc__, extra_options=[deterministic])
