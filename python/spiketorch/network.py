"""Networks described in Python and compiled as static C++ types.

    from spiketorch import Network, Input, Population, Projection
    net = Network(layers=[Input("X", 784, "poisson"), Population("E", 100, "lif", "exp_current")],
                  projections=[Projection("X", "E", "dense", rule="stdp_pair", delays="uniform")],
                  dt=0.5, seed=42)
    net.set_params("E", tau_m_ms=20, v_thresh_mv=-55)
    net.connect("X", "E", weights=(0.5, 2.5), rule=dict(nu_pre=2e-3), delays=dict(max_ms=5))
    net.run(350.0, rates=rates_hz)
    net.spike_counts("E")

The layers' kinds, names and policies and the projections' ends and policies make the C++ type
(spiketorch::network<layers<...>, projections<...>>): on first use its module is generated,
compiled with the compiler and flags the package was built with, and cached (_compile_cache.py);
sizes and parameters are run-time values, so changing them does not compile again.
"""
from __future__ import annotations

import difflib
import json
import math
import numbers
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _codegen
from . import _compile_cache
from . import _policies as pol
from ._arrays import as_numpy
from ._compile_cache import CompileError

__all__ = ["Network", "Input", "Population", "Projection", "CompileError", "policies"]

_NAME = re.compile(r"^[A-Za-z0-9_.:\-]+$")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Input:
    """An input layer: `size` spike sources driven by an encoder ("poisson", "bernoulli",
    "latency")."""
    name: str
    size: int
    encoder: str = "poisson"


@dataclass(frozen=True)
class Population:
    """`size` neurons of a model ("lif", "adaptive_lif", "integrate_and_fire", "izhikevich") with a
    synapse kernel ("delta_current", "exp_current", "exp_conductance")."""
    name: str
    size: int
    neuron: str = "lif"
    synapse: str = "delta_current"


@dataclass(frozen=True)
class Projection:
    """Synapses from layer `pre` to population `post`: a topology ("dense", "all_but_self",
    "one_to_one", "sparse"), a learning rule ("none", "static", "stdp_pair", "stdp_triplet",
    "stdp_weight_dependent"), delays ("none", "fixed", "uniform") and the receptor channel of the
    target's synapse kernel ("excitatory", "inhibitory")."""
    pre: str
    post: str
    topology: str = "dense"
    rule: str = "none"
    delays: str = "none"
    receptor: str = "excitatory"


def policies() -> Dict[str, List[str]]:
    """The policy names a description may use, by kind."""
    out = {kind: sorted(table) for kind, table in pol.KINDS.items()}
    out["receptor"] = sorted(pol.RECEPTORS)
    return out


# ---- validation ----------------------------------------------------------------------------------

def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def _policy(kind: str, name, where: str) -> pol.Policy:
    table = pol.KINDS[kind]
    if not isinstance(name, str) or name not in table:
        raise ValueError(f"{where}: unknown {kind} {name!r}{_suggest(str(name), table)}; "
                         f"known: {', '.join(sorted(table))}")
    return table[name]


def _check_name(name, what: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} name {name!r} must be a non-empty string of letters, digits and "
                         f"_ . : -")


def _check_size(size, name: str) -> None:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size <= 0:
        raise ValueError(f"layer {name!r}: size must be a positive integer, got {size!r}")
    if size >= 2 ** 32:
        raise ValueError(f"layer {name!r}: size {size} is too large (at most 2**32 - 1)")


def _whole(value, what: str, low: int = 0, high: int = 2 ** 64 - 1) -> int:
    """An integer argument in low..high (numpy integers too), with an error that names it (the
    module's own conversion would raise pybind11's "incompatible function arguments")."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be in {low}..{high}, got {value}")
    return int(value)


def _check_value(f: pol.Field, value, where: str):
    """A parameter value as the module expects it (float, bool, int or enumerator name)."""
    if f.kind == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{where}: {f.name} must be a number, got {value!r}")
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"{where}: {f.name} must be finite, got {x}")
        return x
    if f.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where}: {f.name} must be True or False, got {value!r}")
        return bool(value)
    if f.kind == "int":
        return _whole(value, f"{where}: {f.name}")
    if not isinstance(value, str) or value not in f.choices:
        raise ValueError(f"{where}: {f.name} must be one of {', '.join(f.choices)}, got {value!r}")
    return value


def _check_params(policy: pol.Policy, values: dict, where: str) -> dict:
    fields = {f.name: f for f in policy.fields}
    out = {}
    for key, value in values.items():
        if key not in fields:
            valid = ", ".join(fields) if fields else "none"
            raise ValueError(f"{where}: unknown parameter {key!r}{_suggest(key, fields)}; valid "
                             f"parameters: {valid}")
        out[key] = _check_value(fields[key], value, where)
    return out


def _as_float32(values, expected: Tuple[int, ...], what: str, accept_flat: bool = False):
    """`values` as a C-contiguous float32 array of shape `expected` (numpy or anything array-like,
    e.g. a CPU torch.Tensor); TypeError for non-numeric data, ValueError for a wrong shape."""
    a = as_numpy(values)
    if a.dtype.kind not in "fiu" or a.dtype == np.bool_:
        raise TypeError(f"{what}: expected real numbers, got an array of dtype {a.dtype}")
    size = int(np.prod(expected))
    if a.shape != expected and not (accept_flat and a.shape == (size,)):
        raise ValueError(f"{what}: expected shape {expected}, got {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float32).reshape(-1)


# ---- the network ---------------------------------------------------------------------------------

class Network:
    """A spiking network described by layers and projections, compiled as a static C++ type on
    first use and cached (see the module's docstring)."""

    def __init__(self, layers: Sequence[Union[Input, Population]],
                 projections: Sequence[Projection] = (), dt: float = 0.5, seed: int = 0):
        self._layers = list(layers)
        self._projections = list(projections)
        self._desc = self._validate(dt, seed)
        self._summary = self._describe()
        type_key = json.dumps(self._desc, sort_keys=True)
        name = _compile_cache.module_name(type_key)
        source = _codegen.module_source(self._desc, name, self._summary)
        self.module = _compile_cache.load_module(name, source, self._summary)
        self._net = self.module.CompiledNetwork(float(dt), int(seed),
                                                [int(l.size) for l in self._layers])
        self._layer_index = {l.name: i for i, l in enumerate(self._layers)}
        self._projection_index = {(p.pre, p.post): j for j, p in enumerate(self._projections)}

    # ---- description

    def _validate(self, dt, seed) -> dict:
        if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not math.isfinite(dt) \
                or dt <= 0:
            raise ValueError(f"Network: dt must be a finite number > 0 (ms), got {dt!r}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
                not 0 <= seed < 2 ** 64:
            raise ValueError(f"Network: seed must be an integer in [0, 2**64), got {seed!r}")
        if not self._layers:
            raise ValueError("Network: a network needs at least one layer")
        desc_layers = []
        sizes: Dict[str, int] = {}
        kinds: Dict[str, str] = {}
        for layer in self._layers:
            if not isinstance(layer, (Input, Population)):
                raise TypeError(f"Network: layers must be Input or Population, got {layer!r}")
            _check_name(layer.name, "layer")
            if layer.name in sizes:
                raise ValueError(f"Network: two layers are named {layer.name!r}")
            _check_size(layer.size, layer.name)
            sizes[layer.name] = int(layer.size)
            where = f"layer {layer.name!r}"
            if isinstance(layer, Input):
                _policy("encoder", layer.encoder, where)
                desc_layers.append({"kind": "input", "name": layer.name, "encoder": layer.encoder})
                kinds[layer.name] = "input"
            else:
                _policy("neuron model", layer.neuron, where)
                _policy("synapse kernel", layer.synapse, where)
                desc_layers.append({"kind": "population", "name": layer.name,
                                    "neuron": layer.neuron, "synapse": layer.synapse})
                kinds[layer.name] = "population"
        desc_projections = []
        seen = set()
        for p in self._projections:
            if not isinstance(p, Projection):
                raise TypeError(f"Network: projections must be Projection, got {p!r}")
            where = f"projection {p.pre!r} -> {p.post!r}"
            for end, name in (("source", p.pre), ("target", p.post)):
                if name not in sizes:
                    raise ValueError(f"{where}: no layer named {name!r} (its {end})"
                                     f"{_suggest(str(name), sizes)}; layers: {', '.join(sizes)}")
            if kinds[p.post] == "input":
                raise ValueError(f"{where}: the target {p.post!r} is an input layer; projections "
                                 f"must end at a Population")
            if (p.pre, p.post) in seen:
                raise ValueError(f"{where}: two projections join the same layers")
            seen.add((p.pre, p.post))
            _policy("topology", p.topology, where)
            _policy("learning rule", p.rule, where)
            _policy("delay policy", p.delays, where)
            if p.receptor not in pol.RECEPTORS:
                raise ValueError(f"{where}: unknown receptor {p.receptor!r}; known: "
                                 f"{', '.join(pol.RECEPTORS)}")
            if p.topology in ("all_but_self", "one_to_one") and sizes[p.pre] != sizes[p.post]:
                raise ValueError(f"{where}: topology {p.topology!r} needs layers of equal size, "
                                 f"got {sizes[p.pre]} and {sizes[p.post]}")
            desc_projections.append({"pre": p.pre, "post": p.post, "topology": p.topology,
                                     "rule": p.rule, "delays": p.delays, "receptor": p.receptor})
        return {"layers": desc_layers, "projections": desc_projections}

    def _describe(self) -> str:
        lines = [repr(l) for l in self._layers] + [repr(p) for p in self._projections]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Network(\n  {self._summary.replace(chr(10), chr(10) + '  ')},\n  dt={self.dt})"

    @property
    def dt(self) -> float:
        return self._net.dt_ms

    @property
    def seed(self) -> int:
        return self._net.seed

    @property
    def layers(self) -> List[Union[Input, Population]]:
        return list(self._layers)

    @property
    def projections(self) -> List[Projection]:
        return list(self._projections)

    def _layer(self, name: str, kind: Optional[str] = None, what: str = "") -> int:
        if name not in self._layer_index:
            raise ValueError(f"{what}: no layer named {name!r}"
                             f"{_suggest(str(name), self._layer_index)}; layers: "
                             f"{', '.join(self._layer_index)}")
        i = self._layer_index[name]
        layer = self._layers[i]
        if kind == "input" and not isinstance(layer, Input):
            raise ValueError(f"{what}: layer {name!r} is not an input layer")
        if kind == "population" and not isinstance(layer, Population):
            raise ValueError(f"{what}: layer {name!r} is an input layer, not a Population")
        return i

    def _projection(self, pre: str, post: str, what: str) -> int:
        j = self._projection_index.get((pre, post))
        if j is None:
            known = [f"{a} -> {b}" for a, b in self._projection_index]
            raise ValueError(f"{what}: no projection {pre!r} -> {post!r}"
                             f"{_suggest(f'{pre} -> {post}', known)}; projections: "
                             f"{', '.join(known) or 'none'}")
        return j

    # ---- parameters

    def set_params(self, layer: str, **values) -> None:
        """Neuron and synapse parameters of a population by field name (the others keep their
        values); re-initialises its neuron state, like the C++ set_params."""
        i = self._layer(layer, "population", "set_params")
        pop = self._layers[i]
        neuron, synapse = pol.NEURONS[pop.neuron], pol.SYNAPSES[pop.synapse]
        n_vals, s_vals = {}, {}
        for key, value in values.items():
            if key in neuron.field_names():
                n_vals[key] = value
            elif key in synapse.field_names():
                s_vals[key] = value
            else:
                valid = neuron.field_names() + synapse.field_names()
                raise ValueError(f"set_params: layer {layer!r} ({pop.neuron}, {pop.synapse}) has "
                                 f"no parameter {key!r}{_suggest(key, valid)}; valid parameters: "
                                 f"{', '.join(valid)}")
        where = f"set_params({layer!r})"
        self._net.set_params(i, _check_params(neuron, n_vals, where),
                             _check_params(synapse, s_vals, where))

    def params(self, layer: str) -> dict:
        """The current parameters of a layer (a population's neuron and synapse fields, or an input
        layer's encoder fields) by name."""
        i = self._layer(layer, None, "params")
        p = self._net.params(i)
        if isinstance(self._layers[i], Input):
            return dict(p)
        return {**p[0], **p[1]}

    def set_encoder_params(self, layer: str, **values) -> None:
        """Parameters of an input layer's encoder (e.g. sampler="per_step_bernoulli")."""
        i = self._layer(layer, "input", "set_encoder_params")
        policy = pol.ENCODERS[self._layers[i].encoder]
        self._net.set_encoder_params(
            i, _check_params(policy, values, f"set_encoder_params({layer!r})"))

    def connect(self, pre: str, post: str, weights: Union[float, Tuple[float, float]] = (0.0, 1.0),
                rule: Optional[dict] = None, delays: Optional[dict] = None,
                topology: Optional[dict] = None) -> None:
        """Builds a projection's synapses: initial weights uniform in [low, high) (a number: all
        equal), and the parameters of its learning rule, delays and topology by field name.
        Each projection is connected once (weights() hands out views of its storage)."""
        what = f"connect({pre!r}, {post!r})"
        j = self._projection(pre, post, what)
        p = self._projections[j]
        if self._net.connected(j):
            raise ValueError(f"{what}: already connected (views of its weights may be alive); "
                             f"use set_weights to change the weights")
        if isinstance(weights, numbers.Real):
            weights = (weights, weights)
        try:
            low, high = (float(w) for w in weights)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: weights must be a number or (low, high), got {weights!r}")
        # Weights are float32: a larger bound would become infinite weights.
        if not all(abs(w) <= _FLOAT32_MAX for w in (low, high)) or low > high:
            raise ValueError(f"{what}: weights must be finite float32 values with low <= high, "
                             f"got {weights!r}")
        args = []
        for kind, policy_name, values in (("topology", p.topology, topology),
                                          ("learning rule", p.rule, rule),
                                          ("delay policy", p.delays, delays)):
            if values is not None and not isinstance(values, dict):
                raise TypeError(f"{what}: {kind} parameters must be a dict, got {values!r}")
            args.append(_check_params(pol.KINDS[kind][policy_name], values or {},
                                      f"{what} {kind} {policy_name!r}"))
        self._net.connect(j, args[0], low, high, args[1], args[2])

    # ---- running

    def set_input(self, layer: str, values) -> None:
        """Encoder input of an input layer for the following runs (rates in Hz for "poisson",
        values in [0, 1] for "bernoulli" and "latency")."""
        i = self._layer(layer, "input", "set_input")
        self._net.set_input(i, _as_float32(values, (self._layers[i].size,),
                                           f"set_input({layer!r})"))

    def run(self, duration_ms: float, rates=None, learning: Optional[bool] = None) -> None:
        """Simulates `duration_ms` (whole steps). `rates`: the input of the only input layer, or a
        dict {input layer: values}. `learning`: turns plasticity on or off from now on (None keeps
        the setting of set_learning, on by default). Releases the GIL."""
        if rates is not None:
            if isinstance(rates, dict):
                for name, values in rates.items():
                    self.set_input(name, values)
            else:
                inputs = [l.name for l in self._layers if isinstance(l, Input)]
                if len(inputs) != 1:
                    raise ValueError(f"run: rates for the only input layer, but the network has "
                                     f"{len(inputs)} ({', '.join(inputs)}); pass a dict")
                self.set_input(inputs[0], rates)
        if learning is not None:
            self.set_learning(learning)
        if isinstance(duration_ms, bool) or not isinstance(duration_ms, numbers.Real) or \
                not math.isfinite(duration_ms) or duration_ms < 0:
            raise ValueError(f"run: duration_ms must be a finite number >= 0, got {duration_ms!r}")
        self._net.run(float(duration_ms))

    def set_learning(self, on: bool) -> None:
        """Plasticity and adaptive thresholds on or frozen (traces restart when turned on)."""
        if not isinstance(on, (bool, np.bool_)):  # "no" would turn learning on
            raise TypeError(f"learning must be True or False, got {on!r}")
        self._net.learning = bool(on)

    @property
    def learning(self) -> bool:
        return self._net.learning

    def reset_counts(self) -> None:
        """Spike counts back to zero."""
        self._net.reset_counts()

    def reset_state(self, keep: Sequence[str] = ()) -> None:
        """Membrane potentials, synaptic state, spikes in flight and traces back to their initial
        values; neuron state fields named in `keep` (e.g. "theta") keep their values."""
        if isinstance(keep, str):
            keep = [keep]
        keep = list(keep)
        for name in keep:
            if not isinstance(name, str):
                raise TypeError(f"reset_state: keep must name state fields (str), got {name!r}")
        self._net.reset_state(keep)

    @property
    def steps_done(self) -> int:
        return self._net.steps_done

    @property
    def presentation_index(self) -> int:
        """Number of the next run (addresses the encoders' random draws)."""
        return self._net.presentation_index

    @presentation_index.setter
    def presentation_index(self, index: int) -> None:
        self._net.presentation_index = _whole(index, "presentation_index")

    # ---- reading

    def spike_counts(self, layer: str) -> np.ndarray:
        """Spikes per neuron since reset_counts (a uint32 copy)."""
        return self._net.spike_counts(self._layer(layer, None, "spike_counts"))

    def total_spikes(self, layer: str) -> int:
        return self._net.total_spikes(self._layer(layer, None, "total_spikes"))

    def last_spikes(self, layer: str) -> np.ndarray:
        """Neurons of a layer that spiked in the last step."""
        return self._net.last_spikes(self._layer(layer, None, "last_spikes"))

    def _state_field(self, layer: str, field: str, what: str) -> int:
        """The index of population `layer`, which must have the state variable `field`."""
        i = self._layer(layer, "population", what)
        fields = self._net.state_fields(i)
        if not isinstance(field, str) or field not in fields:
            raise ValueError(f"{what}: layer {layer!r} has no state field {field!r}"
                             f"{_suggest(str(field), fields)}; its fields: {', '.join(fields)}")
        return i

    def state(self, layer: str, field: str) -> np.ndarray:
        """A state variable of a population ("v", "theta", "i_exc", ...): a float32 view of the
        network's own array (writes change the network)."""
        return self._net.state(self._state_field(layer, field, "state"), field)

    def state_fields(self, layer: str) -> List[str]:
        return self._net.state_fields(self._layer(layer, "population", "state_fields"))

    def weights(self, pre: str, post: str) -> np.ndarray:
        """A projection's weights as a float32 view of its storage: [n_pre, n_post] for "dense",
        else one value per synapse in the order of synapses()."""
        return self._net.weights(self._projection(pre, post, "weights"))

    def synapses(self, pre: str, post: str) -> Tuple[np.ndarray, np.ndarray]:
        """(source, target) neuron of each synapse, in the order of weights()."""
        return self._net.synapses(self._projection(pre, post, "synapses"))

    def weight_matrix(self, pre: str, post: str) -> np.ndarray:
        """The weights as an [n_pre, n_post] copy, 0 where there is no synapse."""
        j = self._projection(pre, post, "weight_matrix")
        p = self._projections[j]
        w = self._net.weights(j)
        if w.ndim == 2:
            return w.copy()
        src, dst = self._net.synapses(j)
        out = np.zeros((self._size(p.pre), self._size(p.post)), dtype=np.float32)
        out[src, dst] = w
        return out

    def _size(self, name: str) -> int:
        return int(self._layers[self._layer_index[name]].size)

    def set_weights(self, pre: str, post: str, values) -> None:
        """Replaces all weights of a connected projection ([n_pre, n_post] or flat for "dense",
        one per synapse otherwise)."""
        what = f"set_weights({pre!r}, {post!r})"
        j = self._projection(pre, post, what)
        if not self._net.connected(j):
            raise ValueError(f"{what}: connect the projection first")
        shape = self._net.weights(j).shape
        self._net.set_weights(j, _as_float32(values, shape, what, accept_flat=True))

    def delays(self, pre: str, post: str) -> np.ndarray:
        """Delay of each synapse in steps (uint8, order of weights()); empty without delays."""
        return self._net.delays(self._projection(pre, post, "delays"))

    def normalize(self, pre: str, post: str, target_sum: float) -> None:
        """Rescales each target's incoming weights to sum to `target_sum`."""
        self._net.normalize(self._projection(pre, post, "normalize"), float(target_sum))

    # ---- recorders

    def record_spikes(self, layer: str, window_steps: int) -> None:
        """Keeps a raster of the last `window_steps` steps of a layer's spikes."""
        self._net.record_spikes(self._layer(layer, None, "record_spikes"),
                                _whole(window_steps, "record_spikes: window_steps", low=1))

    def spike_raster(self, layer: str) -> np.ndarray:
        """[step, neuron] uint8 (1 = spike), oldest step first."""
        return self._net.spike_raster(self._layer(layer, None, "spike_raster"))

    def record_state(self, layer: str, field: str, neurons=None, interval: int = 1,
                     window: int = 1000) -> None:
        """Records `field` of the given neurons (default all) every `interval` steps, keeping the
        last `window` frames."""
        i = self._state_field(layer, field, "record_state")
        size = self._layers[i].size
        neurons = range(size) if neurons is None else np.asarray(neurons).reshape(-1).tolist()
        neurons = [_whole(n, f"record_state: neurons of layer {layer!r}", high=size - 1)
                   for n in neurons]
        self._net.record_state(i, field, neurons, _whole(interval, "record_state: interval", 1),
                               _whole(window, "record_state: window", 1))

    def state_trace(self, layer: str) -> np.ndarray:
        """[frame, selected neuron] float32, oldest first."""
        return self._net.state_trace(self._layer(layer, "population", "state_trace"))

    def clear_recordings(self, layer: str) -> None:
        self._net.clear_recordings(self._layer(layer, None, "clear_recordings"))
