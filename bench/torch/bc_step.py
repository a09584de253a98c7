#!/usr/bin/env python3
"""PyTorch reference of one behaviour-cloning training step, or of its action, as CORL's
`any_percent_bc` runs it on all of the data.

llmdpd's own reference, at the sizes `npm run bench:agents` uses for its same-run speed ratio:
observation 11, action 3, batch 256; actor: s -> 2 x 256 ReLU -> 3 -> tanh; loss MSE(pi(s), a);
Adam 3e-4. Observations are normalised on the way in.

--mode step (default): one gradient step. --mode act: pi(s) for one observation.

Prints one JSON line (see common.report). Example:
  /usr/bin/python3 bench/torch/bc_step.py --steps 40 --threads 1
"""
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ACTION_DIM, OBSERVATION_DIM, mlp, normalized_action, normalizer, run_agent_reference  # noqa: E402


class BC:
    def __init__(self, learning_rate=3e-4):
        self.actor = nn.Sequential(mlp(OBSERVATION_DIM, ACTION_DIM, layers=2, activation=nn.ReLU), nn.Tanh())
        self.optimizer = torch.optim.Adam(self.actor.parameters(), lr=learning_rate)
        self.mean, self.std = normalizer()

    def update(self, observation, action, reward, next_observation, not_terminal):
        loss = F.mse_loss(self.actor((observation - self.mean) / self.std), action)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return (loss.detach(),)

    def act(self, observation):
        return normalized_action(self.actor, self.mean, self.std, observation)


if __name__ == "__main__":
    run_agent_reference("bc", lambda args: BC(), __doc__, pair_steps=1)
