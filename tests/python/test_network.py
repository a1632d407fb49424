"""Networks described in Python (spiketorch.Network): bitwise equal to the same networks written
in C++ (described_networks.cpp), clear errors for bad descriptions and calls, and the compile
cache (a described network compiles once per type; parameters are run-time values)."""
import gc
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import spiketorch
from spiketorch import CompileError, Input, Network, Population, Projection
from spiketorch import _build_config, _compile_cache

HERE = pathlib.Path(__file__).resolve().parent


# ---- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One compile cache for the tests of this file that may share modules (each network type
    compiles once here)."""
    d = tmp_path_factory.mktemp("network_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPIKETORCH_CACHE_DIR", str(d))
        yield d


@pytest.fixture(scope="module")
def reference_program(tmp_path_factory):
    """described_networks.cpp compiled as the described networks are: the recorded compiler and
    flags (as an executable), -O2, the installed headers."""
    out = tmp_path_factory.mktemp("reference") / "described_networks"
    flags = [a for a in _build_config.cpp_args if a not in ("-shared", "-fvisibility=hidden")]
    cmd = (list(_build_config.compiler) + flags + ["-O2", f"-I{_compile_cache.INCLUDE_DIR}",
                                                   str(HERE / "described_networks.cpp"), "-o",
                                                   str(out)])
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr[-3000:]}"
    return out


def run_reference(program, which, tmp_path):
    d = tmp_path / which
    d.mkdir()
    subprocess.run([str(program), which, str(d)], check=True)
    return d


def read(d, name, dtype):
    return np.fromfile(d / f"{name}.bin", dtype=dtype)


def assert_bitwise(actual, expected, what):
    actual = np.ascontiguousarray(actual).reshape(-1)
    assert actual.dtype == expected.dtype, what
    assert actual.shape == expected.shape, what
    # Bit patterns, not values: NaN == NaN and -0 != +0 here.
    assert np.array_equal(actual.view(np.uint8), expected.view(np.uint8)), what


QUICKSTART_LAYERS = [Input("in", 100, "poisson"), Population("exc", 20, "lif", "exp_current")]
QUICKSTART_PROJECTIONS = [
    Projection("in", "exc", "dense", rule="stdp_pair", delays="uniform"),
    Projection("exc", "exc", "all_but_self", receptor="inhibitory"),
]


def quickstart(seed=42):
    """examples/quickstart/main.cpp, described in Python."""
    net = Network(QUICKSTART_LAYERS, QUICKSTART_PROJECTIONS, dt=0.5, seed=seed)
    net.set_params("exc", tau_m_ms=20, v_rest_mv=-65, v_reset_mv=-65, v_thresh_mv=-55,
                   refractory_ms=2, v_init_mv=-65)
    net.connect("in", "exc", weights=(0.5, 2.5), rule=dict(nu_pre=2e-3, nu_post=1e-2, w_max=3.0),
                delays=dict(min_ms=0, max_ms=5))
    net.connect("exc", "exc", weights=2.0)
    return net


@pytest.fixture(scope="module")
def quickstart_net(shared_cache):
    return quickstart()


# ---- equal to the same network in C++ -----------------------------------------------------------

def test_quickstart_equals_cpp(shared_cache, reference_program, tmp_path):
    net = quickstart()
    rates = 5.0 + 0.5 * np.arange(100, dtype=np.float32)
    net.run(1000.0, rates=rates)
    ref = run_reference(reference_program, "quickstart", tmp_path)
    assert net.total_spikes("exc") > 0
    assert_bitwise(net.spike_counts("in"), read(ref, "counts_in", np.uint32), "input counts")
    assert_bitwise(net.spike_counts("exc"), read(ref, "counts_exc", np.uint32), "counts")
    assert net.weights("in", "exc").shape == (100, 20)
    assert_bitwise(net.weights("in", "exc"), read(ref, "w_in_exc", np.float32), "weights")
    assert_bitwise(net.weights("exc", "exc"), read(ref, "w_exc_exc", np.float32), "lateral")
    assert_bitwise(net.state("exc", "v"), read(ref, "v_exc", np.float32), "v")
    assert_bitwise(net.state("exc", "i_exc"), read(ref, "i_exc_exc", np.float32), "i_exc")
    assert_bitwise(net.delays("in", "exc"), read(ref, "d_in_exc", np.uint8), "delays")
    # Learning moved the weights away from their initial draw.
    assert not np.array_equal(net.weights("in", "exc"), quickstart().weights("in", "exc"))


def test_recurrent_network_with_delays_equals_cpp(shared_cache, reference_program, tmp_path):
    net = Network(
        layers=[Input("X", 64, "poisson"), Input("Y", 16, "bernoulli"),
                Population("E", 24, "adaptive_lif", "exp_conductance"),
                Population("I", 24, "lif", "exp_conductance")],
        projections=[Projection("X", "E", "dense", rule="stdp_triplet", delays="uniform"),
                     Projection("Y", "E", "sparse", delays="fixed"),
                     Projection("E", "I", "one_to_one", delays="fixed"),
                     Projection("I", "E", "all_but_self", receptor="inhibitory"),
                     Projection("E", "E", "sparse", rule="stdp_pair", delays="uniform")],
        dt=0.5, seed=7)
    net.set_params("E", v_init_mv=-65, theta_plus_mv=0.2, tau_theta_ms=1e4, e_inh_mv=-100)
    net.set_params("I", tau_m_ms=10, e_inh_mv=-85)
    net.set_encoder_params("X", sampler="per_step_bernoulli")
    net.set_encoder_params("Y", max_probability=0.2)
    net.connect("X", "E", weights=(0.3, 1.0), rule=dict(nu_pre=1e-3, nu_post=5e-3, w_max=1.0),
                delays=dict(min_ms=0, max_ms=8))
    net.connect("Y", "E", weights=(0.1, 0.4), topology=dict(probability=0.3),
                delays=dict(delay_ms=2))
    net.connect("E", "I", weights=10.4, delays=dict(delay_ms=1))
    net.connect("I", "E", weights=3.0)
    net.connect("E", "E", weights=(0.0, 0.2), topology=dict(probability=0.2, allow_self=False),
                rule=dict(nu_pre=1e-3, nu_post=1e-2, w_max=0.5, mode="additive"),
                delays=dict(min_ms=1, max_ms=6))
    net.record_spikes("E", 300)
    net.record_state("E", "v", [0, 3, 5], interval=2, window=50)
    x = np.linspace(0, 60, 64).astype(np.float32)
    y = np.linspace(0, 1, 16).astype(np.float32)
    net.run(200.0, rates={"X": x, "Y": y})
    net.run(100.0, rates={"X": x[::-1]}, learning=False)

    ref = run_reference(reference_program, "recurrent", tmp_path)
    for layer in "XYEI":
        assert_bitwise(net.spike_counts(layer), read(ref, f"counts_{layer}", np.uint32), layer)
    assert net.total_spikes("E") > 50 and net.total_spikes("I") > 50
    for pre, post in [("X", "E"), ("Y", "E"), ("E", "I"), ("I", "E"), ("E", "E")]:
        assert_bitwise(net.weights(pre, post), read(ref, f"w_{pre}_{post}", np.float32),
                       f"weights {pre} -> {post}")
    assert_bitwise(net.delays("X", "E"), read(ref, "d_X_E", np.uint8), "delays X -> E")
    assert_bitwise(net.delays("E", "E"), read(ref, "d_E_E", np.uint8), "delays E -> E")
    assert net.delays("E", "E").max() > 1  # the delays do something
    for field in ("v", "theta", "g_inh"):
        assert_bitwise(net.state("E", field), read(ref, f"{field}_E", np.float32), field)
    assert net.spike_raster("E").shape == (300, 24)
    assert_bitwise(net.spike_raster("E"), read(ref, "raster_E", np.uint8), "raster")
    assert net.state_trace("E").shape == (50, 3)
    assert_bitwise(net.state_trace("E"), read(ref, "trace_E", np.float32), "trace")
    # The sparse recurrent projection has no self-synapses, as asked.
    src, dst = net.synapses("E", "E")
    assert len(src) == len(net.weights("E", "E")) > 0 and not np.any(src == dst)


# ---- views and calls ----------------------------------------------------------------------------

def test_views_share_the_network_memory(quickstart_net):
    net = quickstart_net
    w = net.weights("in", "exc")
    assert np.shares_memory(w, net.weights("in", "exc"))
    w[3, 4] = 0.125
    assert net.weights("in", "exc")[3, 4] == np.float32(0.125)
    net.reset_state()  # no neuron refractory
    v = net.state("exc", "v")
    assert v.dtype == np.float32 and v.shape == (20,)
    v[:] = 100.0  # above threshold: every neuron fires in the next step
    net.reset_counts()
    net.run(0.5, rates=np.zeros(100, np.float32), learning=False)
    assert np.all(net.spike_counts("exc") == 1)
    net.set_learning(True)
    net.reset_state()
    assert np.all(net.state("exc", "v") == np.float32(-65.0))
    # A view keeps the network alive.
    other = quickstart()
    view = other.weights("in", "exc")
    expected = view.copy()
    del other
    gc.collect()
    assert np.array_equal(view, expected)


def test_a_running_network_refuses_calls_from_other_threads(shared_cache):
    # run releases the GIL; a call from another thread meanwhile (here the main thread) must not
    # touch the network (replacing a recorder under the running step used to crash).
    net = quickstart()
    net.set_input("in", np.full(100, 50.0, np.float32))
    errors, refused = [], 0
    runner = threading.Thread(target=lambda: errors.extend(_run_catching(net, 20000.0)))
    runner.start()
    while runner.is_alive():
        try:
            net.record_spikes("exc", 10)
        except RuntimeError as e:
            assert "running in another thread" in str(e)
            refused += 1
    runner.join()
    assert not errors and refused > 0
    net.run(1.0)  # idle again


def _run_catching(net, ms):
    try:
        net.run(ms)
    except Exception as e:  # reported to the main thread
        return [e]
    return []


def test_set_weights_and_params_roundtrip(quickstart_net):
    net = quickstart_net
    new = np.linspace(0, 1, 2000, dtype=np.float64).reshape(100, 20)
    net.set_weights("in", "exc", new)
    assert np.array_equal(net.weights("in", "exc"), new.astype(np.float32))
    net.set_weights("in", "exc", new.reshape(-1))  # flat is accepted too

    class FakeTensor:  # what a CPU torch.Tensor offers, without torch
        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return new[::-1].copy()

    net.set_weights("in", "exc", FakeTensor())
    assert np.array_equal(net.weights("in", "exc"), new[::-1].astype(np.float32))
    p = net.params("exc")
    assert p["tau_m_ms"] == 20 and p["tau_exc_ms"] == 5.0 and set(p) == {
        "tau_m_ms", "v_rest_mv", "v_reset_mv", "v_thresh_mv", "refractory_ms", "v_init_mv",
        "refractory", "tau_exc_ms", "tau_inh_ms", "scheme"}
    assert (p["refractory"], p["scheme"]) == ("clamp_steps_after_spike", "held_over_step")
    net.set_params("exc", tau_exc_ms=3.0)
    assert net.params("exc")["tau_exc_ms"] == 3.0 and net.params("exc")["tau_m_ms"] == 20
    net.set_params("exc", **p)
    assert net.params("exc") == p
    assert net.params("in") == {"sampler": "geometric_skip"}


# ---- bad descriptions and calls -----------------------------------------------------------------

def test_bad_descriptions_fail_before_compiling(cache_dir):
    compiles = _compile_cache.compiles
    pop = Population("E", 10, "lif")

    with pytest.raises(ValueError, match=r"unknown neuron model 'lfi' \(did you mean 'lif'\?\).*"
                                         r"known: adaptive_lif, integrate_and_fire, izhikevich, "
                                         r"lif"):
        Network([Input("X", 5), Population("E", 10, "lfi")])
    with pytest.raises(ValueError, match="unknown synapse kernel 'exp_curent'.*'exp_current'"):
        Network([Population("E", 10, "lif", "exp_curent")])
    with pytest.raises(ValueError, match="unknown encoder 'gauss'.*known: bernoulli, latency"):
        Network([Input("X", 5, "gauss"), pop])
    with pytest.raises(ValueError, match="projection 'X' -> 'E'.*unknown learning rule 'stdp'"):
        Network([Input("X", 5), pop], [Projection("X", "E", rule="stdp")])
    with pytest.raises(ValueError, match="unknown topology 'all_to_all'.*known: all_but_self"):
        Network([Input("X", 5), pop], [Projection("X", "E", "all_to_all")])
    with pytest.raises(ValueError, match="unknown delay policy 'random'"):
        Network([Input("X", 5), pop], [Projection("X", "E", delays="random")])
    with pytest.raises(ValueError, match="unknown receptor 'exc'"):
        Network([Input("X", 5), pop], [Projection("X", "E", receptor="exc")])
    # A misspelt layer: named, with the close match and the layers there are.
    with pytest.raises(ValueError, match=r"no layer named 'Ex' \(its target\) \(did you mean "
                                         r"'E'\?\); layers: X, E"):
        Network([Input("X", 5), pop], [Projection("X", "Ex")])
    with pytest.raises(ValueError, match="two layers are named 'E'"):
        Network([Input("E", 5), pop])
    with pytest.raises(ValueError, match="target 'X' is an input layer"):
        Network([Input("X", 5), pop], [Projection("E", "X")])
    with pytest.raises(ValueError, match="two projections join the same layers"):
        Network([Input("X", 5), pop], [Projection("X", "E"), Projection("X", "E", "sparse")])
    with pytest.raises(ValueError, match="'all_but_self' needs layers of equal size, got 5 and 10"):
        Network([Input("X", 5), pop], [Projection("X", "E", "all_but_self")])
    for size in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="layer 'E': size must be a positive integer"):
            Network([Population("E", size)])
    for dt in (float("nan"), math.inf, 0.0, -0.5):
        with pytest.raises(ValueError, match="dt must be a finite number > 0"):
            Network([pop], dt=dt)
    with pytest.raises(ValueError, match="seed"):
        Network([pop], seed=-1)
    with pytest.raises(ValueError, match="name"):
        Network([Population('E"; system("x', 3)])
    with pytest.raises(ValueError, match="at least one layer"):
        Network([])
    assert _compile_cache.compiles == compiles
    assert not cache_dir.exists() or not any(cache_dir.iterdir())


def test_bad_calls_raise_clear_errors(quickstart_net):
    net = quickstart_net
    with pytest.raises(ValueError, match=r"set_params\('exc'\): tau_m_ms must be finite, got nan"):
        net.set_params("exc", tau_m_ms=float("nan"))
    with pytest.raises(ValueError, match="v_init_mv must be finite, got inf"):
        net.set_params("exc", v_init_mv=math.inf)
    with pytest.raises(ValueError, match=r"layer 'exc' \(lif, exp_current\) has no parameter "
                                         r"'tau_mem_ms' \(did you mean 'tau_m_ms'.*\); valid "
                                         r"parameters: tau_m_ms, v_rest_mv"):
        net.set_params("exc", tau_mem_ms=10)
    with pytest.raises(TypeError, match="tau_m_ms must be a number"):
        net.set_params("exc", tau_m_ms="20")
    # The library's own checks come back as ValueError, and leave the parameters as they were.
    before = net.params("exc")
    with pytest.raises(ValueError, match="v_reset_mv .* must be below v_thresh_mv"):
        net.set_params("exc", v_reset_mv=-50, v_thresh_mv=-60)
    assert net.params("exc") == before
    with pytest.raises(ValueError, match="'in' is an input layer, not a Population"):
        net.set_params("in", tau_m_ms=10)
    with pytest.raises(ValueError, match=r"no layer named 'ecx' \(did you mean 'exc'\?\)"):
        net.spike_counts("ecx")
    with pytest.raises(ValueError,
                       match=r"set_input\('in'\): expected shape \(100,\), got \(99,\)"):
        net.set_input("in", np.zeros(99, np.float32))
    with pytest.raises(TypeError, match=r"set_input\('in'\): expected real numbers.*complex"):
        net.set_input("in", np.zeros(100, np.complex64))
    with pytest.raises(TypeError, match="expected real numbers"):
        net.set_input("in", ["a"] * 100)
    with pytest.raises(ValueError, match="layer 'exc' is not an input layer"):
        net.set_input("exc", np.zeros(20, np.float32))
    with pytest.raises(ValueError, match=r"set_weights\('in', 'exc'\): expected shape \(100, 20\), "
                                         r"got \(20, 100\)"):
        net.set_weights("in", "exc", np.zeros((20, 100), np.float32))
    with pytest.raises(ValueError, match="not finite"):
        net.set_weights("in", "exc", np.full((100, 20), np.nan, np.float32))
    with pytest.raises(ValueError, match=r"no projection 'exc' -> 'in'"):
        net.weights("exc", "in")
    with pytest.raises(ValueError, match="has no state field 'theta'.*its fields: v, "
                                         "refractory_left, i_exc, i_inh"):
        net.state("exc", "theta")
    with pytest.raises(ValueError, match="already connected"):
        net.connect("in", "exc")
    with pytest.raises(ValueError, match="Poisson|poisson encoder: rate of input 0"):
        net.run(1.0, rates=np.full(100, -1.0, np.float32))
    with pytest.raises(ValueError, match="duration_ms must be a finite number"):
        net.run(float("nan"))
    # Integers out of range: named, not pybind11's "incompatible function arguments".
    with pytest.raises(ValueError, match=r"record_spikes: window_steps must be in 1\.\."):
        net.record_spikes("exc", -1)
    with pytest.raises(ValueError, match=r"neurons of layer 'exc' must be in 0\.\.19, got -1"):
        net.record_state("exc", "v", [-1])
    with pytest.raises(TypeError, match=r"record_state: window must be an integer, got 1\.5"):
        net.record_state("exc", "v", window=1.5)
    with pytest.raises(ValueError, match="presentation_index must be in 0"):
        net.presentation_index = -1
    with pytest.raises(TypeError, match="keep must name state fields"):
        net.reset_state([5])
    with pytest.raises(ValueError, match="has no state field 5"):
        net.state("exc", 5)
    with pytest.raises(TypeError, match="learning must be True or False, got 'no'"):
        net.run(0.0, learning="no")


def test_connect_checks_fields_and_run_needs_connections(shared_cache):
    net = Network(QUICKSTART_LAYERS, QUICKSTART_PROJECTIONS, seed=1)
    with pytest.raises(ValueError, match=r"learning rule 'stdp_pair'.*unknown parameter 'nu_pr'.*"
                                         r"valid parameters: nu_pre, nu_post"):
        net.connect("in", "exc", rule=dict(nu_pr=1e-3))
    with pytest.raises(ValueError, match="mode must be one of set_to_one, additive"):
        net.connect("in", "exc", rule=dict(mode="multiplicative"))
    with pytest.raises(ValueError, match="delay policy 'uniform'.*max_ms must be finite"):
        net.connect("in", "exc", delays=dict(max_ms=float("nan")))
    with pytest.raises(ValueError, match="unknown parameter 'probability'.*valid parameters: none"):
        net.connect("in", "exc", topology=dict(probability=0.5))
    with pytest.raises(ValueError, match="low <= high"):
        net.connect("in", "exc", weights=(2.0, 1.0))
    with pytest.raises(ValueError, match="finite float32"):  # would be infinite weights
        net.connect("in", "exc", weights=1e300)
    net.connect("in", "exc")
    with pytest.raises(ValueError, match="exc -> exc was never connected"):
        net.run(1.0, rates=np.ones(100, np.float32))


def test_compile_error_names_the_network(cache_dir, monkeypatch):
    from spiketorch import _policies
    broken = _policies.Policy("spiketorch::neurons::no_such_model", "spiketorch/neurons/lif.hpp")
    monkeypatch.setitem(_policies.NEURONS, "broken", broken)
    with pytest.raises(CompileError) as e:
        Network([Input("X", 3), Population("E", 2, "broken")], [Projection("X", "E")])
    message = str(e.value)
    assert "no_such_model" in message and "error" in message
    assert "Population(name='E', size=2, neuron='broken'" in message
    assert not list(cache_dir.glob("*.so")) and not list(cache_dir.glob("*.tmp"))


# ---- the compile cache --------------------------------------------------------------------------

LOAD_SCRIPT = """
import json, time
t0 = time.perf_counter()
from spiketorch import Network, Input, Population, Projection, _compile_cache
t1 = time.perf_counter()
net = Network([Input("X", 4), Population("E", 3, "lif", "exp_current")],
              [Projection("X", "E", rule="stdp_pair")], seed=3)
t2 = time.perf_counter()
print(json.dumps({"compiles": _compile_cache.compiles, "how": _compile_cache.last_load["how"],
                  "network_s": t2 - t1, "import_s": t1 - t0}))
"""


def load_in_new_processes(cache_dir, n):
    """Runs LOAD_SCRIPT in n processes at once; their reports."""
    env = {**os.environ, "SPIKETORCH_CACHE_DIR": str(cache_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", LOAD_SCRIPT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(n)]
    reports = []
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_compile_cache_is_reused(cache_dir):
    # Two processes use the same new description at once: one compiles, the other waits for it
    # (the lock) and loads the module it wrote.
    first = load_in_new_processes(cache_dir, 2)
    assert sorted(r["compiles"] for r in first) == [0, 1], first
    assert sorted(r["how"] for r in first) == ["compiled", "disk"], first
    modules = list(cache_dir.glob("*" + _build_config.ext_suffix))
    assert len(modules) == 1 and not list(cache_dir.glob("*.tmp"))
    mtime = modules[0].stat().st_mtime_ns
    print(f"first compile {max(r['network_s'] for r in first):.1f} s")

    # A new process loads the module without compiling, within 0.5 s.
    (loaded,) = load_in_new_processes(cache_dir, 1)
    assert loaded["compiles"] == 0 and loaded["how"] == "disk", loaded
    assert loaded["network_s"] < 0.5, loaded
    print(f"cached load in a new process {loaded['network_s'] * 1000:.1f} ms")
    assert modules[0].stat().st_mtime_ns == mtime

    # Other sizes, dt, seed and parameters: the same type, no compile.
    compiles = _compile_cache.compiles
    projections = [Projection("X", "E", rule="stdp_pair")]
    net = Network([Input("X", 40), Population("E", 30, "lif", "exp_current")], projections,
                  dt=0.25, seed=9)
    net.set_params("E", tau_m_ms=7.0)
    net.connect("X", "E", rule=dict(nu_post=0.5))
    assert _compile_cache.compiles == compiles
    assert _compile_cache.last_load["how"] == "disk"

    # Another policy: another type, compiled once more.
    Network([Input("X", 4), Population("E", 3, "integrate_and_fire", "exp_current")], projections)
    assert _compile_cache.compiles == compiles + 1
    assert len(list(cache_dir.glob("*" + _build_config.ext_suffix))) == 2


def test_a_damaged_cached_module_is_compiled_again(quickstart_net, cache_dir, monkeypatch):
    # dlopen of a truncated library crashes the interpreter (SIGBUS): a module whose file is not
    # the one compiled is compiled again. The "compiler" here copies the good module (no compile).
    good = pathlib.Path(quickstart_net.module.__file__)
    cache_dir.mkdir()
    damaged = cache_dir / good.name
    damaged.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    for digest in good.parent.glob("*.sha256"):
        (cache_dir / digest.name).write_bytes(digest.read_bytes())
    real_command = _compile_cache.compile_command
    monkeypatch.setattr(_compile_cache, "compile_command", lambda source, output: (
        real_command(source, output) if source.name == "src.cpp" else
        ["cp", str(good), str(output)]))
    compiles = _compile_cache.compiles
    quickstart()
    assert _compile_cache.compiles == compiles + 1
    assert _compile_cache.last_load["how"] == "compiled"
    assert damaged.read_bytes() == good.read_bytes()


def test_an_interrupted_compile_stops_the_whole_compiler(cache_dir, monkeypatch, tmp_path):
    # g++ runs cc1plus as a child: Ctrl-C that reaches only Python (Jupyter's interrupt) must not
    # leave it compiling. The "compiler" here is a shell whose child sleeps.
    pid_file = tmp_path / "child.pid"
    real_command = _compile_cache.compile_command
    monkeypatch.setattr(_compile_cache, "compile_command", lambda source, output: (
        real_command(source, output) if source.name == "src.cpp" else
        ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"]))
    main = threading.get_ident()

    def interrupt():
        while not pid_file.exists() or not pid_file.read_text().strip():
            time.sleep(0.01)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        Network([Input("X", 4), Population("E", 3, "lif", "exp_current")])
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    alive = _alive(child)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, "the compiler's child still runs"
    assert not list(cache_dir.glob("*.tmp"))


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_an_unusable_cache_directory_is_named(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("SPIKETORCH_CACHE_DIR", str(tmp_path / "file" / "cache"))
    with pytest.raises(OSError, match=r"compile cache .*file/cache is not writable .*"
                                      r"SPIKETORCH_CACHE_DIR"):
        Network([Input("X", 4), Population("E", 3, "lif", "exp_current")],
                [Projection("X", "E", rule="stdp_pair")])


def test_every_policy_compiles_and_runs(shared_cache):
    """Every policy of the table at least once: the compiler checks each params field list
    against its struct (names and count)."""
    net = Network(
        layers=[Input("P", 6, "poisson"), Input("B", 6, "bernoulli"), Input("L", 6, "latency"),
                Population("A", 6, "lif", "exp_current"),
                Population("Z", 6, "izhikevich", "exp_current"),
                Population("F", 6, "integrate_and_fire", "exp_conductance"),
                Population("D", 6, "adaptive_lif", "delta_current")],
        projections=[Projection("P", "A", "dense", rule="stdp_weight_dependent"),
                     Projection("B", "Z", "one_to_one", rule="static", delays="fixed"),
                     Projection("L", "F", "sparse", rule="stdp_triplet", delays="uniform"),
                     Projection("A", "D", "all_but_self", rule="stdp_pair"),
                     Projection("Z", "A", "dense", receptor="inhibitory"),
                     Projection("P", "Z", "sparse", delays="normal")],
        seed=5)
    for layer in "AZFD":
        p = net.params(layer)
        net.set_params(layer, **p)
        assert net.params(layer) == p
    for layer in "PBL":
        p = net.params(layer)
        net.set_encoder_params(layer, **p)
        assert net.params(layer) == p
    net.set_params("F", scheme="forward_euler")
    assert net.params("F")["scheme"] == "forward_euler"
    net.set_params("A", refractory="since_spike", scheme="exact")
    assert (net.params("A")["refractory"], net.params("A")["scheme"]) == ("since_spike", "exact")
    net.set_encoder_params("L", window_ms=20.0, threshold=0.1)
    assert net.params("L") == {"window_ms": 20.0, "threshold": 0.1}
    net.connect("P", "A", weights=(5.0, 10.0), rule=dict(mu=0.5))
    net.connect("B", "Z", weights=20.0, delays=dict(delay_ms=1.0))
    net.connect("L", "F", weights=(1.0, 3.0), topology=dict(probability=0.5),
                delays=dict(min_ms=0.5, max_ms=2.0))
    net.connect("A", "D", weights=(10.0, 20.0))
    net.connect("Z", "A", weights=1.0)
    with pytest.raises(TypeError, match="in_degree must be an integer"):
        net.connect("P", "Z", topology=dict(rule="fixed_in_degree", in_degree=2.5))
    net.connect("P", "Z", weights=(1.0, 2.0), topology=dict(rule="fixed_in_degree", in_degree=3),
                delays=dict(mean_ms=1.0, sd_ms=0.5))
    assert np.array_equal(np.bincount(net.synapses("P", "Z")[1], minlength=6), np.full(6, 3))
    ones = np.ones(6, np.float32)
    net.run(50.0, rates={"P": 200 * ones, "B": 0.5 * ones, "L": np.linspace(0, 1, 6)})
    assert all(net.total_spikes(layer) > 0 for layer in "PBLAZ")
    assert net.weight_matrix("L", "F").shape == (6, 6)
    assert set(spiketorch.policies()) == {"neuron model", "synapse kernel", "topology",
                                          "learning rule", "delay policy", "encoder", "receptor"}
