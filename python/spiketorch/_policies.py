"""The policies a described network may name, and the C++ they stand for.

Each entry maps a policy's Python name to its C++ type, the header that declares it and the
fields of its ``params`` struct (name and kind, in declaration order). The generated module lists
the same fields for the C++ compiler (spiketorch/_codegen.py), which checks every name against
the struct and that none is missing, so this table cannot drift from the headers unnoticed: a
network using a policy whose list is out of date fails to compile (tests/python/test_network.py
compiles every policy).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple


@dataclass(frozen=True)
class Field:
    """One member of a params struct: kind is "float", "bool", "int" (a count) or "enum" (then
    `choices` are the enumerators' names in declaration order, `cpp_enum` the C++ enum type)."""
    name: str
    kind: str = "float"
    choices: Tuple[str, ...] = ()
    cpp_enum: str = ""


@dataclass(frozen=True)
class Policy:
    """A policy: its C++ type, the header declaring it and the fields of its params struct."""
    cpp: str
    header: str
    fields: Tuple[Field, ...] = field(default_factory=tuple)

    def field_names(self) -> Tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _floats(*names: str) -> Tuple[Field, ...]:
    return tuple(Field(n) for n in names)


_MEMBRANE = ("tau_m_ms", "v_rest_mv", "v_reset_mv", "v_thresh_mv", "refractory_ms", "v_init_mv")

NEURONS: Dict[str, Policy] = {
    "lif": Policy("spiketorch::neurons::lif", "spiketorch/neurons/lif.hpp",
                  _floats(*_MEMBRANE) +
                  (Field("refractory", "enum", ("clamp_steps_after_spike", "since_spike"),
                         "spiketorch::neurons::refractory_rule"),)),
    "adaptive_lif": Policy(
        "spiketorch::neurons::adaptive_lif", "spiketorch/neurons/adaptive_lif.hpp",
        _floats(*_MEMBRANE, "theta_plus_mv", "tau_theta_ms", "theta_offset_mv", "theta_init_mv")),
    "integrate_and_fire": Policy(
        "spiketorch::neurons::integrate_and_fire", "spiketorch/neurons/integrate_and_fire.hpp",
        _floats("tau_m_ms", "v_reset_mv", "v_thresh_mv", "refractory_ms", "v_init_mv")),
    "izhikevich": Policy("spiketorch::neurons::izhikevich", "spiketorch/neurons/izhikevich.hpp",
                         _floats("a", "b", "c_mv", "d", "v_peak_mv", "v_init_mv")),
}

SYNAPSES: Dict[str, Policy] = {
    "delta_current": Policy("spiketorch::synapses::delta_current",
                            "spiketorch/synapses/delta_current.hpp"),
    "exp_current": Policy("spiketorch::synapses::exp_current",
                          "spiketorch/synapses/exp_current.hpp",
                          _floats("tau_exc_ms", "tau_inh_ms") +
                          (Field("scheme", "enum", ("held_over_step", "exact"),
                                 "spiketorch::synapses::current_scheme"),)),
    "exp_conductance": Policy(
        "spiketorch::synapses::exp_conductance", "spiketorch/synapses/exp_conductance.hpp",
        _floats("tau_exc_ms", "tau_inh_ms", "e_exc_mv", "e_inh_mv") +
        (Field("scheme", "enum", ("exact", "forward_euler"),
               "spiketorch::synapses::decay_scheme"),)),
}

TOPOLOGIES: Dict[str, Policy] = {
    "dense": Policy("spiketorch::topology::dense", "spiketorch/topology/dense.hpp"),
    "all_but_self": Policy("spiketorch::topology::all_but_self",
                           "spiketorch/topology/all_but_self.hpp"),
    "one_to_one": Policy("spiketorch::topology::one_to_one", "spiketorch/topology/one_to_one.hpp"),
    "sparse": Policy("spiketorch::topology::sparse", "spiketorch/topology/sparse.hpp",
                     (Field("probability"), Field("allow_self", "bool"),
                      Field("rule", "enum", ("fixed_probability", "fixed_in_degree", "fixed_total"),
                            "spiketorch::topology::sparse::connector"),
                      Field("in_degree", "int"), Field("total", "int"))),
}

_TRACE_MODE = Field("mode", "enum", ("set_to_one", "additive"), "spiketorch::learning::trace_mode")

RULES: Dict[str, Policy] = {
    "none": Policy("spiketorch::learning::none", "spiketorch/learning/concepts.hpp"),
    "static": Policy("spiketorch::learning::none", "spiketorch/learning/static_rule.hpp"),
    "stdp_pair": Policy(
        "spiketorch::learning::stdp_pair", "spiketorch/learning/stdp_pair.hpp",
        _floats("nu_pre", "nu_post", "tau_pre_ms", "tau_post_ms", "w_min", "w_max") +
        (_TRACE_MODE,)),
    "stdp_triplet": Policy(
        "spiketorch::learning::stdp_triplet", "spiketorch/learning/stdp_triplet.hpp",
        _floats("nu_pre", "nu_post", "tau_pre_ms", "tau_post1_ms", "tau_post2_ms", "w_min",
                "w_max")),
    "stdp_weight_dependent": Policy(
        "spiketorch::learning::stdp_weight_dependent",
        "spiketorch/learning/stdp_weight_dependent.hpp",
        _floats("eta_pre", "eta_post", "x_tar", "mu", "tau_pre_ms", "tau_post_ms", "w_min",
                "w_max")),
}

DELAYS: Dict[str, Policy] = {
    "none": Policy("spiketorch::delays::none", "spiketorch/topology/delays.hpp"),
    "fixed": Policy("spiketorch::delays::fixed", "spiketorch/topology/delays.hpp",
                    _floats("delay_ms")),
    "uniform": Policy("spiketorch::delays::uniform", "spiketorch/topology/delays.hpp",
                      _floats("min_ms", "max_ms")),
    "normal": Policy("spiketorch::delays::normal", "spiketorch/topology/delays.hpp",
                     _floats("mean_ms", "sd_ms")),
}

ENCODERS: Dict[str, Policy] = {
    "poisson": Policy("spiketorch::encoding::poisson", "spiketorch/encoding/poisson.hpp",
                      (Field("sampler", "enum", ("geometric_skip", "per_step_bernoulli"),
                             "spiketorch::encoding::poisson::method"),)),
    "bernoulli": Policy("spiketorch::encoding::bernoulli", "spiketorch/encoding/bernoulli.hpp",
                        _floats("max_probability")),
    "latency": Policy("spiketorch::encoding::latency", "spiketorch/encoding/latency.hpp",
                      _floats("window_ms", "threshold")),
}

RECEPTORS: Dict[str, str] = {
    "excitatory": "spiketorch::receptor::excitatory",
    "inhibitory": "spiketorch::receptor::inhibitory",
}

# Kind of policy -> its table, for validation messages ("unknown neuron model 'lfi'").
KINDS: Dict[str, Dict[str, Policy]] = {
    "neuron model": NEURONS,
    "synapse kernel": SYNAPSES,
    "topology": TOPOLOGIES,
    "learning rule": RULES,
    "delay policy": DELAYS,
    "encoder": ENCODERS,
}
