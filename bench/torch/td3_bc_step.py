#!/usr/bin/env python3
"""PyTorch reference of one TD3+BC training step, or of its action, as CORL runs TD3+BC.

llmdpd's own reference, written from the algorithm (Fujimoto & Gu, NeurIPS 2021) with CORL's
hyperparameters, at the sizes `npm run bench:agents` uses for its same-run speed ratio:

  observation 11, action 3, batch 256; actor: s -> 2 x 256 ReLU -> 3 -> tanh; Q1, Q2:
  [s | a] -> 2 x 256 ReLU -> 1; target copies of all three; Adam 3e-4; gamma 0.99, Polyak tau
  0.005; alpha 2.5; target policy smoothing noise 0.2 clipped at 0.5; the actor and the targets
  move every 2nd step. Observations are normalised on the way in.

--mode step (default): each timed call runs two updates (one critic-only, one with the actor
and the targets) and the reported time per step is half of it. --mode act: pi(s) for one
observation.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/td3_bc_step.py --steps 40 --threads 1
"""
import copy
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, OBSERVATION_DIM, mlp, normalized_action, normalizer, polyak, run_agent_reference  # noqa: E402


def relu_mlp(inputs, outputs):
    return mlp(inputs, outputs, layers=2, activation=nn.ReLU)


class TD3BC:
    def __init__(self, learning_rate=3e-4, gamma=0.99, tau=0.005, alpha=2.5, policy_noise=0.2, noise_clip=0.5,
                 policy_freq=2):
        self.actor = nn.Sequential(relu_mlp(OBSERVATION_DIM, ACTION_DIM), nn.Tanh())
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.q1, self.q2 = relu_mlp(OBSERVATION_DIM + ACTION_DIM, 1), relu_mlp(OBSERVATION_DIM + ACTION_DIM, 1)
        self.q1_target = copy.deepcopy(self.q1).requires_grad_(False)
        self.q2_target = copy.deepcopy(self.q2).requires_grad_(False)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=learning_rate)
        self.critic_optimizer = torch.optim.Adam(list(self.q1.parameters()) + list(self.q2.parameters()),
                                                 lr=learning_rate)
        self.gamma, self.tau, self.alpha = gamma, tau, alpha
        self.policy_noise, self.noise_clip, self.policy_freq = policy_noise, noise_clip, policy_freq
        self.total_it = 0
        self.mean, self.std = normalizer()

    def update(self, observation, action, reward, next_observation, not_terminal):
        self.total_it += 1
        observation = (observation - self.mean) / self.std
        next_observation = (next_observation - self.mean) / self.std

        # Critics: towards the smoothed target action's min target Q.
        with torch.no_grad():
            noise = (torch.randn_like(action) * self.policy_noise).clamp(-self.noise_clip, self.noise_clip)
            next_action = (self.actor_target(next_observation) + noise).clamp(-1.0, 1.0)
            next_joint = torch.cat([next_observation, next_action], dim=1)
            target = reward + not_terminal * self.gamma * torch.min(self.q1_target(next_joint),
                                                                    self.q2_target(next_joint))
        joint = torch.cat([observation, action], dim=1)
        critic_loss = F.mse_loss(self.q1(joint), target) + F.mse_loss(self.q2(joint), target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()
        if self.total_it % self.policy_freq != 0:
            return (critic_loss.detach(),)

        # Delayed actor: -lambda mean Q1(s, pi(s)) + MSE(pi(s), a), lambda = alpha / mean |Q1|; then the targets.
        policy_action = self.actor(observation)
        q = self.q1(torch.cat([observation, policy_action], dim=1))
        actor_loss = -self.alpha / q.abs().mean().detach() * q.mean() + F.mse_loss(policy_action, action)
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()
        for target_net, online in ((self.q1_target, self.q1), (self.q2_target, self.q2),
                                   (self.actor_target, self.actor)):
            polyak(target_net, online, self.tau)
        return critic_loss.detach(), actor_loss.detach()

    def act(self, observation):
        return normalized_action(self.actor, self.mean, self.std, observation)


if __name__ == "__main__":
    run_agent_reference("td3-bc", lambda args: TD3BC(), __doc__, pair_steps=2)
