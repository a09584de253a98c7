"""Envs for bench/python-bridge.js: as cheap as an env can be, so the figure is the bridge's own
cost (framing, pipes, decoding), not the env's. Pure Python, no numpy, no gymnasium."""


class Box(object):
    def __init__(self, low, high, shape):
        self.low, self.high, self.shape, self.dtype = low, high, tuple(shape), "float32"


class TrivialEnv(object):
    """Constant 4-value observation, 2-value action, empty infos (no JSON on the wire)."""

    def __init__(self):
        self.observation_space = Box(-1.0, 1.0, (4,))
        self.action_space = Box(-1.0, 1.0, (2,))
        self.obs = [0.0, 0.25, 0.5, 0.75]

    def reset(self, seed=None, options=None):
        return self.obs, {}

    def step(self, action):
        return self.obs, 1.0, False, False, {}


class InfoEnv(TrivialEnv):
    """The same with a small info dict every step, as most real envs return (JSON on the wire)."""

    def __init__(self):
        TrivialEnv.__init__(self)
        self.t = 0

    def step(self, action):
        self.t += 1
        return self.obs, 1.0, False, False, {"t": self.t, "success": 0.0, "reward_ctrl": -0.01 * action[0]}
