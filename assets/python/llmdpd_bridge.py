"""The Python side of llmdpd's bridge to Gymnasium-style envs (``makePythonEnv`` in
``src/envs/python/``). The TypeScript side starts ``python llmdpd_bridge.py`` and speaks the binary
protocol described in ``docs/envs/python-bridge.md`` over this process's stdin and stdout.

This file is the whole Python side: it needs only the standard library (Python 3.8 or later). It
uses numpy when the env's spaces are numpy-based (Gymnasium's), and imports gymnasium only when it
is asked for a Gymnasium id instead of ``module:Attribute``.

Frames, both ways: ``u32 length`` (little-endian, counts the kind byte and the body), ``u8 kind``,
body. Observations and actions travel as raw little-endian float32 / float64 / int32 rows; JSON is
used only for the handshake, reset options and non-empty info dicts.

Lifecycle: the process exits when its stdin reaches end-of-file (the parent closed it or died), on
a CLOSE request, on SIGTERM (after closing the envs, at most 3 s later), and when its parent process
goes away while an env call is still running (a watchdog thread polls the parent pid). SIGINT is
ignored: the parent decides when this process ends.
"""

import array
import importlib
import json
import math
import os
import signal
import struct
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1

# Request kinds (TypeScript -> Python).
INIT = 0x01
RESET = 0x02
STEP = 0x03
CLOSE = 0x04
# Reply kinds (Python -> TypeScript).
READY = 0x81
RESET_RESULT = 0x82
STEP_RESULT = 0x83
CLOSED = 0x84
ERROR = 0x85

# Per-env operations of a STEP request.
OP_SKIP = 0
OP_STEP = 1
OP_STEP_SAME_STEP_RESET = 2
OP_RESET = 3

EXIT_SIGTERM = 143
EXIT_PROTOCOL = 2

_HEADER = struct.Struct("<IB")
_U32 = struct.Struct("<I")
_RESET_ENTRY = struct.Struct("<IBd")
_LITTLE = sys.byteorder == "little"
_INT32_MIN = -(2 ** 31)
_INT32_MAX = 2 ** 31 - 1

# numpy is optional: pure-Python envs work without it. LLMDPD_BRIDGE_NUMPY=0 makes the bridge act as
# if numpy were missing (the tests use it to run the pure-Python path on any interpreter).
_np = None
if os.environ.get("LLMDPD_BRIDGE_NUMPY", "1") != "0":
    try:
        import numpy as _np
    except ImportError:  # pragma: no cover - depends on the interpreter
        _np = None


class BridgeError(Exception):
    """An env or a request broke the bridge's contract (wrong result shape, unsupported space...)."""


class _Terminated(BaseException):
    """Raised in the main thread by the SIGTERM handler, so the envs are closed before exiting."""


# ---------------------------------------------------------------------------------------------
# JSON for info dicts, options and constructor arguments. Non-finite floats travel as
# {"__float__": "nan" | "inf" | "-inf"}, since JSON has no token for them.


def _float_tag(x):
    if math.isnan(x):
        return {"__float__": "nan"}
    return {"__float__": "inf" if x > 0 else "-inf"}


def _jsonable(x, depth=0):
    """Converts an info value to JSON-compatible data: numpy scalars and arrays to numbers and
    (nested) lists, tuples to lists, keys to strings, other objects to their repr()."""
    t = type(x)
    if x is None or t is bool or t is str or t is int:
        return x
    if t is float:
        return x if math.isfinite(x) else _float_tag(x)
    if depth > 64:
        return repr(x)
    if isinstance(x, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in x]
    if _np is not None:
        if isinstance(x, _np.ndarray):
            return _jsonable(x.tolist(), depth + 1)
        if isinstance(x, _np.generic):
            return _jsonable(x.item(), depth + 1)
    if isinstance(x, bool):
        return bool(x)
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return _jsonable(float(x), depth)
    if isinstance(x, array.array):
        return _jsonable(x.tolist(), depth + 1)
    return repr(x)


def _dumps(x):
    return json.dumps(_jsonable(x), separators=(",", ":"), allow_nan=False).encode("utf-8")


def _untag(obj):
    if len(obj) == 1 and "__float__" in obj:
        return float(obj["__float__"])
    return obj


def _loads(data):
    return json.loads(data.decode("utf-8"), object_hook=_untag)


# ---------------------------------------------------------------------------------------------
# Spaces: read from a Gymnasium space, a duck-typed object with the same attributes, or a plain
# dict ({low, high, shape, dtype} / {n, start} / {spaces}); described to TypeScript as the
# library's space JSON; turned into a codec that packs values into wire bytes and back.

_WIRE_FORMATS = {"float32": ("f", "<f4", 4), "float64": ("d", "<f8", 8), "int32": ("i", "<i4", 4)}
_FLOAT64_NAMES = {"float64", "float", "double", "float128", "longdouble"}
_FLOAT32_NAMES = {"float32", "float16", "half", "single"}
_INT_NAMES = {"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "int", "bool", "bool_"}


def _dtype_name(dtype):
    if dtype is None:
        return "float32"
    name = getattr(dtype, "name", None)
    if name is None:
        name = getattr(dtype, "__name__", None) or str(dtype)
    name = str(name)
    for prefix in ("np.", "numpy."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def _wire_dtype(name, where):
    if name in _FLOAT32_NAMES:
        return "float32"
    if name in _FLOAT64_NAMES:
        return "float64"
    if name in _INT_NAMES:
        return "int32"
    raise BridgeError(
        "%s has dtype %r, which the bridge cannot carry; use a float32, float64 or integer Box." % (where, name)
    )


def _flatten(x):
    """Flattens nested lists / tuples / arrays of numbers into a list, returning (values, shape)."""
    if _np is not None and isinstance(x, _np.ndarray):
        return x.ravel().tolist(), list(x.shape)
    if isinstance(x, (list, tuple, array.array)):
        if len(x) == 0:
            return [], [0]
        first = x[0]
        if isinstance(first, (list, tuple, array.array)) or (_np is not None and isinstance(first, _np.ndarray)):
            values, inner = [], None
            for item in x:
                v, s = _flatten(item)
                if inner is not None and s != inner:
                    raise BridgeError("ragged nested sequence: rows of shape %s and %s" % (inner, s))
                inner = s
                values.extend(v)
            return values, [len(x)] + inner
        return list(x), [len(x)]
    return [x], []


def _shape_size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


def _bounds(value, size, where, name):
    values, shape = _flatten(value)
    if shape == [] or (len(values) == 1 and size != 1):
        values = values * size
    if len(values) != size:
        raise BridgeError("%s.%s has %d elements but the space holds %d" % (where, name, len(values), size))
    out = []
    for v in values:
        v = float(v)
        if math.isnan(v):
            raise BridgeError("%s.%s contains NaN; use +-inf for an unbounded side" % (where, name))
        out.append(v)
    return out


def _json_bound(v):
    return v if math.isfinite(v) else None


class BoxCodec(object):
    """A Box (or MultiDiscrete / MultiBinary, carried as an integer Box) as rows of wire values."""

    def __init__(self, shape, low, high, dtype_name, where, numpy_values, target_dtype=None):
        self.shape = tuple(int(d) for d in shape)
        self.size = _shape_size(self.shape)
        self.wire = _wire_dtype(dtype_name, where)
        self.typecode, self.np_wire, itemsize = _WIRE_FORMATS[self.wire]
        self.nbytes = self.size * itemsize
        self.where = where
        self.numpy_values = numpy_values and _np is not None
        self.target_dtype = target_dtype
        self.low = _bounds(low, self.size, where, "low")
        self.high = _bounds(high, self.size, where, "high")
        if self.wire == "int32":
            for v in self.low + self.high:
                if math.isfinite(v) and (v < _INT32_MIN or v > _INT32_MAX):
                    raise BridgeError(
                        "%s is an integer Box with bound %d, outside the int32 range the bridge carries; "
                        "narrow its low/high" % (where, v)
                    )
        self.zeros = bytes(self.nbytes)
        self.dtype_name = dtype_name

    def describe(self):
        return {
            "type": "box",
            "shape": list(self.shape),
            "dtype": self.wire,
            "low": [_json_bound(v) for v in self.low],
            "high": [_json_bound(v) for v in self.high],
        }

    def encode(self, value, what):
        if self.numpy_values or (_np is not None and isinstance(value, (_np.ndarray, _np.generic))):
            try:
                a = _np.asarray(value, dtype=self.np_wire)
            except (TypeError, ValueError) as e:
                raise BridgeError("%s is not a numeric array of shape %s: %s" % (what, self.shape, e))
            if a.size != self.size:
                raise BridgeError(
                    "%s has %d values (shape %s) but %s has shape %s (%d values)"
                    % (what, a.size, tuple(a.shape), self.where, self.shape, self.size)
                )
            return a.tobytes()
        try:
            packed = array.array(self.typecode, value)
        except TypeError:
            values, _ = _flatten(value)
            try:
                if self.wire == "int32":
                    values = [int(v) for v in values]
                packed = array.array(self.typecode, values)
            except (TypeError, ValueError, OverflowError) as e:
                raise BridgeError("%s is not a sequence of numbers for %s: %s" % (what, self.where, e))
        except OverflowError as e:
            raise BridgeError("%s does not fit %s's %s values: %s" % (what, self.where, self.wire, e))
        if len(packed) != self.size:
            raise BridgeError(
                "%s has %d values but %s has shape %s (%d values)" % (what, len(packed), self.where, self.shape, self.size)
            )
        if not _LITTLE:  # pragma: no cover - big-endian hosts
            packed.byteswap()
        return packed.tobytes()

    def decode(self, data, offset):
        if self.numpy_values:
            a = _np.frombuffer(data, dtype=self.np_wire, count=self.size, offset=offset)
            return a.astype(self.target_dtype if self.target_dtype is not None else a.dtype).reshape(self.shape)
        a = array.array(self.typecode)
        a.frombytes(data[offset : offset + self.nbytes])
        if not _LITTLE:  # pragma: no cover - big-endian hosts
            a.byteswap()
        values = a.tolist()
        if len(self.shape) == 0:
            return values[0]
        if len(self.shape) == 1:
            return values
        return _nest(values, self.shape)


def _nest(values, shape):
    if len(shape) == 1:
        return values
    step = _shape_size(shape[1:])
    return [_nest(values[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


class DiscreteCodec(object):
    """A Discrete value as one little-endian int32."""

    nbytes = 4
    _int = struct.Struct("<i")

    def __init__(self, n, start, where):
        self.n = int(n)
        self.start = int(start)
        self.where = where
        if self.n <= 0:
            raise BridgeError("%s is Discrete(n=%d); n must be positive" % (where, self.n))
        if self.start < _INT32_MIN or self.start + self.n - 1 > _INT32_MAX:
            raise BridgeError("%s has elements outside the int32 range the bridge carries" % where)
        self.zeros = bytes(4)

    def describe(self):
        return {"type": "discrete", "n": self.n, "start": self.start}

    def encode(self, value, what):
        try:
            as_int = int(value)
        except (TypeError, ValueError):
            raise BridgeError("%s is %r, not an integer for %s" % (what, value, self.where))
        if as_int != value:
            raise BridgeError("%s is %r, not an integer for %s" % (what, value, self.where))
        try:
            return self._int.pack(as_int)
        except struct.error:
            raise BridgeError("%s = %d does not fit in int32" % (what, as_int))

    def decode(self, data, offset):
        return self._int.unpack_from(data, offset)[0]


def _utf16_key(k):
    # The TypeScript Dict orders keys by UTF-16 code units (Array.prototype.sort); so does this.
    return k.encode("utf-16-be")


class DictCodec(object):
    """A Dict value as its sub-values one after another, keys in sorted order."""

    def __init__(self, spaces, where):
        if len(spaces) == 0:
            raise BridgeError("%s is a Dict with no sub-spaces" % where)
        self.keys = sorted((str(k) for k in spaces), key=_utf16_key)
        by_str = {str(k): (k, s) for k, s in spaces.items()}
        self.original_keys = [by_str[k][0] for k in self.keys]
        self.codecs = [codec_for(by_str[k][1], "%s[%r]" % (where, k)) for k in self.keys]
        self.nbytes = sum(c.nbytes for c in self.codecs)
        self.zeros = bytes(self.nbytes)
        self.where = where

    def describe(self):
        return {"type": "dict", "spaces": {k: c.describe() for k, c in zip(self.keys, self.codecs)}}

    def encode(self, value, what):
        if not hasattr(value, "keys"):
            raise BridgeError("%s is %s, not a dict for the Dict space %s" % (what, type(value).__name__, self.where))
        parts = []
        for key, original, codec in zip(self.keys, self.original_keys, self.codecs):
            if original in value:
                item = value[original]
            elif key in value:
                item = value[key]
            else:
                raise BridgeError("%s lacks the key %r of %s" % (what, key, self.where))
            parts.append(codec.encode(item, "%s[%r]" % (what, key)))
        return b"".join(parts)

    def decode(self, data, offset):
        out = {}
        for original, codec in zip(self.original_keys, self.codecs):
            out[original] = codec.decode(data, offset)
            offset += codec.nbytes
        return out


def codec_for(space, where):
    """Builds the codec of a Gymnasium space, a duck-typed space object or a plain dict."""
    if isinstance(space, dict):
        kind = space.get("type")
        if kind == "dict" or (kind is None and "spaces" in space):
            return DictCodec(space["spaces"], where)
        if kind == "discrete" or (kind is None and "n" in space):
            return DiscreteCodec(space["n"], space.get("start", 0), where)
        if kind == "box" or (kind is None and ("low" in space or "high" in space)):
            low, high = space.get("low"), space.get("high")
            shape = space.get("shape")
            if isinstance(shape, int):
                shape = [shape]
            if shape is None:
                shape = _flatten(low)[1] or _flatten(high)[1]
                if not shape:
                    raise BridgeError("%s has scalar low and high and no shape; add e.g. 'shape': [3]" % where)
            low = -math.inf if low is None else low
            high = math.inf if high is None else high
            return BoxCodec(shape, low, high, _dtype_name(space.get("dtype")), where, numpy_values=False)
        raise BridgeError(
            "%s is a dict with keys %s, not a space; expected {low, high, shape, dtype}, {n, start} or {spaces}"
            % (where, sorted(space))
        )
    name = type(space).__name__
    if name == "MultiDiscrete":
        nvec = space.nvec
        start = getattr(space, "start", None)
        start = start if start is not None else _np.zeros_like(nvec)
        return BoxCodec(
            nvec.shape, start, start + nvec - 1, "int64", where, numpy_values=True, target_dtype=space.dtype
        )
    if name == "MultiBinary":
        shape = space.shape
        return BoxCodec(shape, 0, 1, "int8", where, numpy_values=True, target_dtype=space.dtype)
    if name == "Box" or (hasattr(space, "low") and hasattr(space, "high") and hasattr(space, "shape")):
        low = space.low
        numpy_values = _np is not None and isinstance(low, _np.ndarray)
        dtype = getattr(space, "dtype", None)
        return BoxCodec(
            space.shape, low, space.high, _dtype_name(dtype), where, numpy_values, target_dtype=dtype
        )
    if name == "Discrete" or hasattr(space, "n"):
        return DiscreteCodec(space.n, getattr(space, "start", 0), where)
    if name == "Dict" or isinstance(getattr(space, "spaces", None), dict):
        return DictCodec(space.spaces, where)
    raise BridgeError(
        "%s is a %s, which the bridge does not carry; it supports Box, Discrete, Dict, MultiDiscrete and "
        "MultiBinary. Flatten it first, e.g. with gymnasium.wrappers.FlattenObservation." % (where, name)
    )


# ---------------------------------------------------------------------------------------------
# Making envs.


def _is_attribute_path(text):
    return len(text) > 0 and all(part.isidentifier() for part in text.split("."))


def _python_label():
    return "%s (Python %s)" % (sys.executable, sys.version.split()[0])


def make_factory(target, args, kwargs):
    """Returns a function that makes one env from 'module:Attribute' or a Gymnasium id."""
    module_name, colon, attribute = target.partition(":")
    if colon and _is_attribute_path(module_name) and _is_attribute_path(attribute):
        module = importlib.import_module(module_name)
        obj = module
        for part in attribute.split("."):
            if not hasattr(obj, part):
                raise BridgeError(
                    "module %r has no attribute %r (looked up %r in %s); check the name after ':'"
                    % (module_name, part, attribute, getattr(module, "__file__", module_name))
                )
            obj = getattr(obj, part)
        if not callable(obj):
            raise BridgeError("%s is a %s, not a class or function that makes an env" % (target, type(obj).__name__))
        return lambda: obj(*args, **kwargs)
    try:
        import gymnasium
    except ImportError as e:
        raise BridgeError(
            "%r is not of the form 'module:Attribute', so it was read as a Gymnasium id, but gymnasium cannot be "
            "imported by %s: %s. Install it in that Python (pip install gymnasium), pass the path of a Python "
            "that has it as the python option, or give the env as 'module:EnvClass'." % (target, _python_label(), e)
        )
    if args:
        raise BridgeError("%r is a Gymnasium id: gymnasium.make takes keyword arguments only; pass kwargs, not args" % target)
    return lambda: gymnasium.make(target, **kwargs)


def _spec_of(env, target, kwargs):
    spec = getattr(env, "spec", None)
    spec_id = getattr(spec, "id", None)
    if isinstance(spec_id, str):
        out = {"id": spec_id}
        steps = getattr(spec, "max_episode_steps", None)
        if isinstance(steps, int):
            out["maxEpisodeSteps"] = steps
        if kwargs:
            out["options"] = kwargs
        return out
    out = {"id": target}
    if kwargs:
        out["options"] = kwargs
    return out


# ---------------------------------------------------------------------------------------------
# The request handlers.


class Bridge(object):
    def __init__(self):
        self.envs = []
        self.obs_codec = None
        self.act_codec = None

    def init(self, body):
        config = _loads(body)
        if config.get("protocol") != PROTOCOL_VERSION:
            raise BridgeError(
                "the TypeScript side speaks protocol %r, this bridge speaks %d; use the bridge file that ships "
                "with the same llmdpd version" % (config.get("protocol"), PROTOCOL_VERSION)
            )
        if self.envs:
            raise BridgeError("INIT was sent twice")
        target = config["target"]
        args = config.get("args") or []
        kwargs = config.get("kwargs") or {}
        num_envs = int(config.get("numEnvs", 1))
        factory = make_factory(target, args, kwargs)
        for i in range(num_envs):
            env = factory()
            for attr in ("reset", "step"):
                if not callable(getattr(env, attr, None)):
                    raise BridgeError(
                        "%s made a %s, which has no %s() method; an env needs reset() and step()"
                        % (target, type(env).__name__, attr)
                    )
            self.envs.append(env)
        first = self.envs[0]
        for attr in ("observation_space", "action_space"):
            if getattr(first, attr, None) is None:
                raise BridgeError(
                    "%s made a %s without %s; set self.%s in the constructor"
                    % (target, type(first).__name__, attr, attr)
                )
        self.obs_codec = codec_for(first.observation_space, "observation_space")
        self.act_codec = codec_for(first.action_space, "action_space")
        described = (self.obs_codec.describe(), self.act_codec.describe())
        for i, env in enumerate(self.envs[1:], start=1):
            other = (
                codec_for(env.observation_space, "observation_space").describe(),
                codec_for(env.action_space, "action_space").describe(),
            )
            if other != described:
                raise BridgeError("env %d has different spaces from env 0; every env of a vector must match" % i)
        metadata = getattr(first, "metadata", None)
        gym = sys.modules.get("gymnasium")
        ready = {
            "protocol": PROTOCOL_VERSION,
            "observationSpace": described[0],
            "actionSpace": described[1],
            "metadata": metadata if isinstance(metadata, dict) else None,
            "spec": _spec_of(first, target, kwargs),
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "numpy": getattr(_np, "__version__", None),
            "gymnasium": getattr(gym, "__version__", None),
            "pid": os.getpid(),
            "envType": "%s.%s" % (type(first).__module__, type(first).__qualname__),
            "numEnvs": len(self.envs),
        }
        return READY, _dumps(ready)

    def _require_envs(self):
        if not self.envs:
            raise BridgeError("no env: INIT must come first")

    def _reset_one(self, index, kwargs):
        result = self.envs[index].reset(**kwargs)
        if not (isinstance(result, tuple) and len(result) == 2) and not (
            isinstance(result, list) and len(result) == 2
        ):
            raise BridgeError(
                "env %d: reset() returned %s; it must return (observation, info) as Gymnasium does "
                "(an old Gym env that returns only the observation needs 'return obs, {}')"
                % (index, type(result).__name__)
            )
        obs, info = result
        if info is None:
            info = {}
        if not isinstance(info, dict):
            raise BridgeError("env %d: reset() info is a %s; it must be a dict" % (index, type(info).__name__))
        return self.obs_codec.encode(obs, "env %d: reset() observation" % index), info

    def reset(self, body):
        self._require_envs()
        (count,) = _U32.unpack_from(body, 0)
        offset = 4
        entries = []
        for _ in range(count):
            index, has_seed, seed = _RESET_ENTRY.unpack_from(body, offset)
            offset += _RESET_ENTRY.size
            if index >= len(self.envs):
                raise BridgeError("reset of env %d, but there are %d envs" % (index, len(self.envs)))
            entries.append((index, int(seed) if has_seed else None))
        (options_length,) = _U32.unpack_from(body, offset)
        offset += 4
        options = _loads(body[offset : offset + options_length]) if options_length else None
        rows, infos = [], []
        for index, seed in entries:
            kwargs = {}
            if seed is not None:
                kwargs["seed"] = seed
            if options is not None:
                kwargs["options"] = options
            row, info = self._reset_one(index, kwargs)
            rows.append(row)
            infos.append(info)
        rows.append(_info_section(infos if any(infos) else None))
        return RESET_RESULT, b"".join(rows)

    def step(self, body):
        self._require_envs()
        n = len(self.envs)
        ops = body[:n]
        act = self.act_codec
        obs_codec = self.obs_codec
        rows = []
        rewards = [0.0] * n
        terminated = bytearray(n)
        truncated = bytearray(n)
        autoreset = bytearray(n)
        finals = []
        infos = [None] * n
        final_infos = None
        for i in range(n):
            op = ops[i]
            if op == OP_SKIP:
                rows.append(obs_codec.zeros)
                infos[i] = {}
                continue
            if op == OP_RESET:
                row, info = self._reset_one(i, {})
                rows.append(row)
                infos[i] = info
                autoreset[i] = 1
                continue
            action = act.decode(body, n + i * act.nbytes)
            result = self.envs[i].step(action)
            if not isinstance(result, (tuple, list)) or len(result) != 5:
                got = "%d values" % len(result) if isinstance(result, (tuple, list)) else type(result).__name__
                raise BridgeError(
                    "env %d: step() returned %s; it must return (observation, reward, terminated, truncated, info). "
                    "An old Gym env returning (obs, reward, done, info) must split done into terminated (an MDP "
                    "terminal state) and truncated (a time limit)." % (i, got)
                )
            obs, reward, term, trunc, info = result
            if info is None:
                info = {}
            if not isinstance(info, dict):
                raise BridgeError("env %d: step() info is a %s; it must be a dict" % (i, type(info).__name__))
            try:
                rewards[i] = float(reward)
            except (TypeError, ValueError):
                raise BridgeError("env %d: step() reward is %r, not a number" % (i, reward))
            term = bool(term)
            trunc = bool(trunc)
            terminated[i] = term
            truncated[i] = trunc
            row = obs_codec.encode(obs, "env %d: step() observation" % i)
            if op == OP_STEP_SAME_STEP_RESET and (term or trunc):
                finals.append(row)
                if final_infos is None:
                    final_infos = [None] * n
                final_infos[i] = info
                row, info = self._reset_one(i, {})
                autoreset[i] = 1
            rows.append(row)
            infos[i] = info
        rows.append(struct.pack("<%dd" % n, *rewards))
        rows.append(bytes(terminated))
        rows.append(bytes(truncated))
        rows.append(bytes(autoreset))
        rows.extend(finals)
        if final_infos is not None or any(infos):
            rows.append(_info_section([infos, final_infos]))
        else:
            rows.append(_info_section(None))
        return STEP_RESULT, b"".join(rows)

    def close_envs(self):
        envs, self.envs = self.envs, []
        errors = []
        for env in envs:
            close = getattr(env, "close", None)
            if callable(close):
                try:
                    close()
                except Exception as e:  # one failing close must not keep the others open
                    errors.append(e)
        if errors:
            raise errors[0]


def _info_section(value):
    if value is None:
        return _U32.pack(0)
    data = _dumps(value)
    return _U32.pack(len(data)) + data


# ---------------------------------------------------------------------------------------------
# Transport and lifecycle.


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _send(fd, kind, body):
    _write_all(fd, _HEADER.pack(len(body) + 1, kind) + body)


def _error_body(error, where):
    if isinstance(error, BridgeError):
        # The bridge's own check failed: its frames would only be noise.
        text = "".join(traceback.format_exception_only(type(error), error))
    else:
        # Leave out the bridge's own frames so the traceback starts in the user's code.
        tb = error.__traceback__
        trimmed = tb
        while trimmed is not None and trimmed.tb_frame.f_code.co_filename == __file__:
            trimmed = trimmed.tb_next
        text = "".join(traceback.format_exception(type(error), error, trimmed if trimmed is not None else tb))
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not lose the report
        message = repr(error)
    return _dumps(
        {
            "type": type(error).__name__,
            "module": type(error).__module__,
            "message": message,
            "traceback": text,
            "where": where,
        }
    )


def _take_protocol_fds():
    """Moves the protocol off fds 0 and 1: user code that prints (or a C library writing to fd 1)
    ends up on stderr, and user code reading stdin reads /dev/null."""
    sys.stdout.flush()
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(proto_in, "rb", buffering=1 << 16), proto_out


def _watch_parent(parent):
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _on_sigterm(signum, frame):
    timer = threading.Timer(3.0, os._exit, args=(EXIT_SIGTERM,))
    timer.daemon = True
    timer.start()
    raise _Terminated()


def _read_frame(reader):
    header = reader.read(5)
    if len(header) < 5:
        return None, None
    length, kind = _HEADER.unpack(header)
    body = reader.read(length - 1) if length > 1 else b""
    if len(body) < length - 1:
        return None, None
    return kind, body


_HANDLERS = {INIT: ("make", "init"), RESET: ("reset", "reset"), STEP: ("step", "step")}


def serve(reader, out_fd):
    bridge = Bridge()
    exit_code = 0
    try:
        while True:
            kind, body = _read_frame(reader)
            if kind is None:
                break
            if kind == CLOSE:
                try:
                    bridge.close_envs()
                except Exception as e:
                    _send(out_fd, ERROR, _error_body(e, "close"))
                else:
                    _send(out_fd, CLOSED, b"")
                break
            handler = _HANDLERS.get(kind)
            if handler is None:
                sys.stderr.write("llmdpd bridge: unknown request kind 0x%02x; stopping\n" % kind)
                exit_code = EXIT_PROTOCOL
                break
            where, method = handler
            try:
                reply_kind, reply = getattr(bridge, method)(body)
            except Exception as e:
                _send(out_fd, ERROR, _error_body(e, where))
            else:
                _send(out_fd, reply_kind, reply)
    except _Terminated:
        exit_code = EXIT_SIGTERM
    except (BrokenPipeError, OSError) as e:
        sys.stderr.write("llmdpd bridge: lost the connection to the parent: %s\n" % e)
    finally:
        try:
            bridge.close_envs()
        except BaseException as e:
            sys.stderr.write("llmdpd bridge: closing the envs failed: %r\n" % e)
    return exit_code


def main():
    reader, out_fd = _take_protocol_fds()
    # Modules named by 'module:Attribute' resolve from the working directory, as with python -m.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = os.getcwd()
    else:
        sys.path.insert(0, os.getcwd())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    watchdog = threading.Thread(target=_watch_parent, args=(os.getppid(),), name="llmdpd-parent-watchdog")
    watchdog.daemon = True
    watchdog.start()
    code = EXIT_SIGTERM
    try:
        code = serve(reader, out_fd)
    finally:
        try:
            sys.stderr.flush()
        finally:
            # os._exit: threads an env left running must not keep this process alive.
            os._exit(code)


if __name__ == "__main__":
    main()
