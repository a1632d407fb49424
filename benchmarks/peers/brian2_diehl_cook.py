#!/usr/bin/python3
"""Diehl & Cook (2015) STDP-MNIST network in Brian2, for speed comparison with SpikeTorch.

Model: the authors' released Brian 1 code ("ORIG" column of
shared/reference/diehl_cook_2015.md), with one deliberate choice: the exc
refractory period is Brian's plain ``refractory=5*ms`` (no 50-ms timer gate).

Run with the Debian Python that sees python3-brian, e.g.

    /usr/bin/python3 benchmarks/peers/brian2_diehl_cook.py --mode train \
        --n_neurons 100 --n_examples 10 --device runtime --json out.json

Devices
-------
runtime         Python loop over examples, as in ORIG: normalise the weights,
                set the PoissonGroup rates, run(350 ms), check the exc spike
                count, run(150 ms) at 0 Hz, retry at a higher intensity if
                fewer than 5 exc spikes.
cpp_standalone  The whole sequence is one ``run()``. A one-neuron controller
                group evaluates the <5-spike rule at the end of every
                presentation and chooses the next example and intensity; the
                inputs are a NeuronGroup with PoissonGroup's threshold
                ``rand() < rates*dt`` whose rates come from a TimedArray of the
                images indexed by the controller's example index. Weight
                normalisation is a synaptic pathway triggered by a custom event
                on the last rest step of every cycle. The run is stopped once
                the last example's rest is over (a small C++ function sets the
                clock to its last step). So the retry rule IS applied in
                standalone mode too.
"""

import argparse
import gzip
import json
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

# --------------------------------------------------------------------------
# Model constants (ORIG semantics; see diehl_cook_2015.md sections 1-4)
# --------------------------------------------------------------------------
N_INPUT = 784
DT_MS = 0.5
PRESENT_MS = 350.0
REST_MS = 150.0
START_INTENSITY = 2          # rate = pixel / 8 * intensity Hz  -> pixel/4 at start
MIN_SPIKES = 5
WEIGHT_TOTAL = 78.0          # column sum of input->exc weights after normalisation
W_EI = 10.4
W_IE = 17.0
DELAY_MAX_MS = 10.0


def save_checkpoint(directory, w, ii, jj, theta_mv, n, seed, examples):
    """The trained network as a SpikeTorch checkpoint (include/spiketorch/io/checkpoint.hpp):
    weights [784, N] float32, theta [N] float32 in mV, no labels yet (all -1)."""
    os.makedirs(directory, exist_ok=True)
    weights = np.zeros((N_INPUT, n), dtype=np.float32)
    weights[ii, jj] = w
    arrays = [('weights', weights), ('theta', np.asarray(theta_mv, dtype=np.float32)),
              ('assignments', -np.ones(n, dtype=np.int32)),
              ('proportions', np.zeros((n, 10), dtype=np.float64))]
    for name, a in arrays:
        np.save(os.path.join(directory, name + '.npy'), a)
    manifest = {
        'format': 'spiketorch-checkpoint', 'format_version': 1,
        'parameters': {'model': 'diehl_cook_2015', 'n_neurons': n, 'n_input': N_INPUT,
                       'dt_ms': DT_MS, 'time_ms': PRESENT_MS, 'rest_ms': REST_MS,
                       'intensity': float(START_INTENSITY), 'seed': seed,
                       'examples_trained': examples},
        'arrays': [{'name': name, 'file': name + '.npy', 'dtype': str(a.dtype),
                    'shape': list(a.shape)} for name, a in arrays]}
    with open(os.path.join(directory, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


def load_idx_images(path):
    """Read an IDX3 ubyte file (optionally gzip'ed) into a (n, 784) uint8 array."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 16 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f'{path}: not an unsigned-byte IDX file')
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * k: 8 + 4 * k], 'big') for k in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f'{path}: size mismatch ({arr.size} vs {dims})')
    return arr.reshape(dims[0], -1)


def find_images(data_dir, mode):
    base = 'train-images-idx3-ubyte' if mode == 'train' else 't10k-images-idx3-ubyte'
    for name in (base + '.gz', base):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f'no {base}[.gz] in {data_dir}')


def default_data_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, '..', '..'))
    for cand in (os.path.join(repo, 'data', 'mnist'),
                 os.path.join(repo, '..', 'shared', 'data', 'mnist')):
        try:
            find_images(cand, 'train')
            return os.path.abspath(cand)
        except FileNotFoundError:
            pass
    return os.path.join(repo, 'data', 'mnist')


def maxrss_mb(who):
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss / 1024.0


# Run by cpp_standalone instead of ./main: runs the binary as a child and
# records its own peak RSS and wall time (so the compiler's memory, which is
# also a child of this process, is not mixed in).
WRAPPER = r'''
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
try:
    with open("results/spiketorch_binary_rusage.json", "w") as f:
        json.dump({"maxrss_kb": ru.ru_maxrss, "wall_s": wall,
                   "user_s": ru.ru_utime, "sys_s": ru.ru_stime}, f)
except OSError:
    pass
sys.exit(os.waitstatus_to_exitcode(status))
'''

# C++ side of the standalone controller: records the wall time of the
# simulation loop (first step -> stop) and ends the run once all examples are
# done by moving the clock to its last step (Clock::running() then turns false
# after the tick). Only the defaultclock exists in this network.
CTRL_CPP = r'''
static double _spiketorch_t0 = -1.0;
static clock_t _spiketorch_c0 = 0;
static inline double _spiketorch_now()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
static inline int64_t spiketorch_ctrl(int64_t stop_flag, int64_t step, int64_t last_step)
{
    if (_spiketorch_t0 < 0.0) {
        _spiketorch_t0 = _spiketorch_now();
        _spiketorch_c0 = clock();
    }
    if (stop_flag || step >= last_step) {
        std::ofstream f("results/spiketorch_loop_wall.txt");
        f << (_spiketorch_now() - _spiketorch_t0) << " " << step << " "
          << (double)(clock() - _spiketorch_c0) / CLOCKS_PER_SEC << std::endl;
        brian::_array_defaultclock_timestep[0] = last_step;
    }
    return stop_flag;
}
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--mode', choices=['train', 'test'], default='train')
    ap.add_argument('--n_neurons', type=int, default=100)
    ap.add_argument('--n_examples', type=int, default=10)
    ap.add_argument('--device', choices=['runtime', 'cpp_standalone'], default='runtime')
    ap.add_argument('--threads', type=int, default=1,
                    help='standalone OpenMP threads (1 = serial build without OpenMP)')
    ap.add_argument('--data', default=None, help='directory with the MNIST IDX .gz files')
    ap.add_argument('--json', default=None, help='write the results here')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--runtime_target', choices=['auto', 'cython', 'numpy'], default='auto',
                    help='Brian2 code generation target in runtime mode')
    ap.add_argument('--build_dir', default=None,
                    help='standalone project directory (default: a fresh temporary one)')
    ap.add_argument('--keep_build', action='store_true', help='keep the standalone project')
    ap.add_argument('--make_jobs', type=int, default=2, help='parallel jobs for the standalone make')
    ap.add_argument('--max_presentations', type=int, default=None,
                    help='cap on presentations incl. retries (default 10*n_examples+10)')
    ap.add_argument('--theta0_mV', type=float, default=20.0,
                    help='initial theta (ORIG: 20 mV); raise it to exercise the retry rule')
    ap.add_argument('--stdp_code', choices=['auto', 'event-driven', 'manual'], default='auto',
                    help="STDP trace code: Brian2 '(event-driven)' equations or the same "
                         "update written out by hand (auto: event-driven in standalone, "
                         "manual in runtime; see the README)")
    ap.add_argument('--save', default=None,
                    help='write the trained weights and theta as a SpikeTorch checkpoint '
                         'directory (label and test it with spiketorch_mnist --mode test '
                         '--load DIR --n_label 60000)')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()

    t_setup0 = time.perf_counter()
    data_dir = args.data or default_data_dir()
    images = load_idx_images(find_images(data_dir, args.mode))
    n_ex = args.n_examples
    idx = np.arange(n_ex) % images.shape[0]          # dataset order, like ORIG (j % 60000)
    pixels = images[idx].astype(np.float64)          # (n_ex, 784)
    max_pres = args.max_presentations or (10 * n_ex + 10)
    learn = args.mode == 'train'
    standalone = args.device == 'cpp_standalone'
    N = args.n_neurons

    t_imp0 = time.perf_counter()
    import brian2
    from brian2 import (ms, mV, Hz, second, NeuronGroup, PoissonGroup, Synapses,
                        SpikeMonitor, Network, TimedArray, Function, linked_var,
                        prefs, set_device, device, defaultclock, seed as b2seed)
    import_seconds = time.perf_counter() - t_imp0
    brian2.BrianLogger.log_level_warn()

    build_dir = None
    if standalone:
        build_dir = args.build_dir or tempfile.mkdtemp(prefix='brian2_dc_')
        set_device('cpp_standalone', directory=build_dir, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
        prefs.devices.cpp_standalone.extra_make_args_unix = [f'-j{max(1, args.make_jobs)}']
        prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, '-c', WRAPPER, './main']
    else:
        prefs.codegen.target = args.runtime_target

    defaultclock.dt = DT_MS * ms
    b2seed(args.seed)
    rng = np.random.RandomState(args.seed)

    # ---------------- neuron parameters (ORIG) ----------------
    ns = dict(v_rest_e=-65 * mV, v_rest_i=-60 * mV, v_reset_e=-65 * mV, v_reset_i=-45 * mV,
              v_thresh_e=-52 * mV, v_thresh_i=-40 * mV, offset=20 * mV,
              E_exc=0 * mV, E_inh_e=-100 * mV, E_inh_i=-85 * mV,
              tau_e=100 * ms, tau_i=10 * ms, tau_ge=1 * ms, tau_gi=2 * ms,
              tau_theta=1e7 * ms, theta_plus=0.05 * mV,
              tau_pre=20 * ms, tau_post1=20 * ms, tau_post2=40 * ms,
              nu_pre=0.0001, nu_post=0.01, wmax=1.0, w_ei=W_EI, w_ie=W_IE,
              wtotal=WEIGHT_TOTAL)
    C_STEPS = int(round((PRESENT_MS + REST_MS) / DT_MS))   # steps per presentation cycle
    P_STEPS = int(round(PRESENT_MS / DT_MS))               # steps with the input on
    ns.update(C=C_STEPS, P=P_STEPS, nex=n_ex, min_spikes=MIN_SPIKES)

    theta_eq = 'dtheta/dt = -theta / tau_theta : volt' if learn else 'theta : volt (constant)'
    eqs_e = f'''
        dv/dt = ((v_rest_e - v) + ge * (E_exc - v) + gi * (E_inh_e - v)) / tau_e : volt (unless refractory)
        dge/dt = -ge / tau_ge : 1
        dgi/dt = -gi / tau_gi : 1
        {theta_eq}
    '''
    if standalone and learn:
        eqs_e += '\nwsum : 1\n'
    eqs_i = '''
        dv/dt = ((v_rest_i - v) + ge * (E_exc - v) + gi * (E_inh_i - v)) / tau_i : volt (unless refractory)
        dge/dt = -ge / tau_ge : 1
        dgi/dt = -gi / tau_gi : 1
    '''
    exc_events = {}
    if standalone and learn:
        # last rest step of every cycle: normalise before the next presentation
        exc_events['normevt'] = 'timestep(t, dt) % C == C - 1'
    exc = NeuronGroup(N, eqs_e, threshold='v > theta - offset + v_thresh_e',
                      reset='v = v_reset_e' + ('; theta += theta_plus' if learn else ''),
                      refractory=5 * ms, method='euler', namespace=ns,
                      events=exc_events, name='exc')
    inh = NeuronGroup(N, eqs_i, threshold='v > v_thresh_i', reset='v = v_reset_i',
                      refractory=2 * ms, method='euler', namespace=ns, name='inh')
    exc.v = ns['v_rest_e'] - 40 * mV
    inh.v = ns['v_rest_i'] - 40 * mV
    exc.theta = args.theta0_mV * mV

    # ---------------- inputs ----------------
    objs = [exc, inh]
    ctrl = None
    if standalone:
        img = TimedArray(pixels, dt=1 * ms)   # img(k*ms, i) = pixel i of example k
        ns['img'] = img
        ctrl = NeuronGroup(1, '''
            k : integer
            intensity : 1
            nspk : integer
            npres : integer
            ndone : integer
            stopped : integer
        ''', namespace=ns, name='ctrl')
        ctrl.intensity = START_INTENSITY
        inp = NeuronGroup(N_INPUT, '''
            k_l : integer (linked)
            intensity_l : 1 (linked)
            rates = int(timestep(t, dt) % C < P) * img(k_l * ms, i) * intensity_l / 8 * Hz : Hz
        ''', threshold='rand() < rates * dt', namespace=ns, name='inp')
        inp.k_l = linked_var(ctrl, 'k', index=np.zeros(N_INPUT, dtype=int))
        inp.intensity_l = linked_var(ctrl, 'intensity', index=np.zeros(N_INPUT, dtype=int))
        # end of each presentation (first rest step): apply the <5-spike rule
        ctrl.run_regularly('''
            cyc = timestep(t, dt) % C
            ev = int(cyc == P and k < nex)
            ok = int(nspk >= min_spikes)
            npres += ev
            ndone += ev * ok
            intensity = ev * (ok * 2 + (1 - ok) * (intensity + 1)) + (1 - ev) * intensity
            k += ev * ok
            nspk = (1 - ev) * nspk
        ''', when='start', name='ctrl_rule')
        last_step = max_pres * C_STEPS - 1
        ctrl_fn = Function(lambda a, b, c: a, arg_units=[1, 1, 1], return_unit=1,
                           arg_types=['integer', 'integer', 'integer'],
                           return_type='integer', stateless=False)
        ctrl_fn.implementations.add_implementation('cpp', CTRL_CPP, name='spiketorch_ctrl')
        ns['spiketorch_ctrl'] = ctrl_fn
        ns['last_step'] = last_step
        ctrl.run_regularly('''
            stopped = spiketorch_ctrl(int(timestep(t, dt) % C == C - 1 and k >= nex), timestep(t, dt), last_step)
        ''', when='end', name='ctrl_stop')
        count_syn = Synapses(exc, ctrl, on_pre='nspk_post += 1', name='exc_count')
        count_syn.connect(i=np.arange(N), j=np.zeros(N, dtype=np.int64))
        objs += [ctrl, inp, count_syn]
    else:
        inp = PoissonGroup(N_INPUT, rates=np.zeros(N_INPUT) * Hz, name='inp')
        objs.append(inp)

    # ---------------- input -> exc (plastic in training) ----------------
    if args.stdp_code == 'auto':
        args.stdp_code = 'event-driven' if standalone else 'manual'
    if learn and args.stdp_code == 'event-driven':
        model = '''
            w : 1
            dpre/dt = -pre / tau_pre : 1 (event-driven)
            dpost1/dt = -post1 / tau_post1 : 1 (event-driven)
            dpost2/dt = -post2 / tau_post2 : 1 (event-driven)
        '''
        decay = ''
    elif learn:
        # The same update Brian2 generates for the event-driven traces above,
        # written out: runtime Brian2 2.5.1 re-derives event-driven updates
        # with sympy in every run() call (~0.5-1 s per call), which would
        # dominate the ORIG-style loop with two run() calls per presentation.
        model = '''
            w : 1
            pre : 1
            post1 : 1
            post2 : 1
            tlast : second
        '''
        decay = '''
            pre = pre * exp(-(t - tlast) / tau_pre)
            post1 = post1 * exp(-(t - tlast) / tau_post1)
            post2 = post2 * exp(-(t - tlast) / tau_post2)
            tlast = t
        '''
    if learn:
        on_pre = {'pre': decay + '''
            ge_post += w
            pre = 1.
            w = clip(w - nu_pre * post1, 0, wmax)
        '''}
        # post2 still holds its pre-spike value here ("post2before")
        on_post = {'post': decay + '''
            w = clip(w + nu_post * pre * post2, 0, wmax)
            post1 = 1.
            post2 = 1.
        '''}
        on_event = {'pre': 'spike', 'post': 'spike'}
        if standalone:
            on_post['wsumacc'] = 'wsum_post += w'
            on_post['wnormal'] = 'w = w * (wtotal / wsum_post)'
            on_event.update(wsumacc='normevt', wnormal='normevt')
        S = Synapses(inp, exc, model=model, on_pre=on_pre, on_post=on_post,
                     on_event=on_event, namespace=ns, name='xe')
    else:
        S = Synapses(inp, exc, model='w : 1', on_pre='ge_post += w', namespace=ns, name='xe')
    ii = np.repeat(np.arange(N_INPUT), N)
    jj = np.tile(np.arange(N), N_INPUT)
    S.connect(i=ii, j=jj)
    W0 = (rng.random_sample(N_INPUT * N) + 0.01) * 0.3
    colsum = np.bincount(jj, weights=W0, minlength=N)
    S.w = W0 * (WEIGHT_TOTAL / colsum)[jj]                  # normalised initial weights
    S.delay = rng.random_sample(N_INPUT * N) * DELAY_MAX_MS * ms
    if standalone and learn:
        # after the STDP pathways of the same step: sum first, then rescale
        S.wsumacc.order = 10
        S.wnormal.order = 11
        exc.run_on_event('normevt', 'wsum = 0', when='after_synapses')
    objs.append(S)

    ei = Synapses(exc, inh, on_pre='ge_post += w_ei', namespace=ns, name='ei')
    ei.connect(j='i')
    ie = Synapses(inh, exc, on_pre='gi_post += w_ie', namespace=ns, name='ie')
    ie.connect(condition='i != j')
    mon_in = SpikeMonitor(inp, record=False, name='mon_in')
    mon_e = SpikeMonitor(exc, record=False, name='mon_e')
    objs += [ei, ie, mon_in, mon_e]

    result = dict(simulator='brian2', brian2_version=brian2.__version__,
                  device=args.device, mode=args.mode, n_neurons=N, n_examples=n_ex,
                  threads=args.threads, seed=args.seed, dt_ms=DT_MS,
                  refractory_interpretation='refractory=5*ms, no timer gate',
                  import_seconds=import_seconds,
                  stdp_code=args.stdp_code if learn else None)

    if not standalone:
        net = Network(*objs)
        net.run(0 * ms, namespace={})      # code generation / Cython compilation = set-up
        result['codegen_target'] = type(S.pre.codeobj).__name__
        setup_seconds = time.perf_counter() - t_setup0
        jsum = jj
        n_pres = 0
        last_count = 0
        retries = 0
        capped = False
        t_sim0 = time.perf_counter()
        c_sim0 = time.process_time()
        for ex in range(n_ex):
            intensity = START_INTENSITY
            while True:
                if learn:
                    w = np.asarray(S.w[:])
                    cs = np.bincount(jsum, weights=w, minlength=N)
                    S.w[:] = w * (WEIGHT_TOTAL / cs)[jsum]
                inp.rates = pixels[ex] / 8.0 * intensity * Hz
                net.run(PRESENT_MS * ms, namespace={})
                total = int(mon_e.num_spikes)
                count = total - last_count
                last_count = total
                inp.rates = 0 * Hz
                net.run(REST_MS * ms, namespace={})
                n_pres += 1
                if count >= MIN_SPIKES or n_pres >= max_pres:
                    break
                retries += 1
                intensity += 1
            if args.verbose:
                print(f'example {ex}: presentations so far {n_pres}, exc spikes {count}',
                      file=sys.stderr)
            if n_pres >= max_pres and count < MIN_SPIKES:
                capped = True
                break
        sim_seconds = time.perf_counter() - t_sim0
        sim_cpu = time.process_time() - c_sim0
        done = ex + 1 if not capped else ex
        result.update(sim_cpu_seconds=sim_cpu, retry_rule='runtime Python loop (as ORIG)')
        binary_rss = None
    else:
        net = Network(*objs)
        net.run(max_pres * (PRESENT_MS + REST_MS) * ms, namespace={})
        device.build(directory=build_dir, compile=True, run=False, with_output=False)
        setup_seconds = time.perf_counter() - t_setup0
        t_sim0 = time.perf_counter()
        device.run(build_dir, with_output=False, run_args=[])
        process_seconds = time.perf_counter() - t_sim0
        res_dir = os.path.join(build_dir, 'results')
        loop_wall = loop_cpu = None
        p = os.path.join(res_dir, 'spiketorch_loop_wall.txt')
        if os.path.exists(p):
            with open(p) as f:
                fields = f.read().split()
            loop_wall = float(fields[0])
            loop_cpu = float(fields[2]) if len(fields) > 2 else None
        binary = {}
        p = os.path.join(res_dir, 'spiketorch_binary_rusage.json')
        if os.path.exists(p):
            with open(p) as f:
                binary = json.load(f)
        binary_rss = binary.get('maxrss_kb', 0) / 1024.0 if binary else None
        sim_seconds = loop_wall if loop_wall is not None else float(device._last_run_time)
        n_pres = int(ctrl.npres[0])
        done = int(ctrl.ndone[0])
        capped = done < n_ex
        retries = n_pres - done
        result.update(sim_cpu_seconds=loop_cpu,
                      codegen_target='cpp_standalone' + (f' + OpenMP({args.threads})'
                                                         if args.threads > 1 else ' (serial)'),
                      binary_wall_seconds=binary.get('wall_s'),
                      binary_cpu_seconds=(binary.get('user_s', 0) + binary.get('sys_s', 0))
                      if binary else None,
                      brian_last_run_time=float(device._last_run_time),
                      python_process_seconds_for_run=process_seconds,
                      sim_seconds_source='wall clock of the simulation loop (C++ steady_clock)'
                      if loop_wall is not None else 'Brian2 _last_run_time',
                      retry_rule='standalone controller group (same rule as ORIG)',
                      build_dir=build_dir if args.keep_build else None)

    in_spk = int(mon_in.num_spikes)
    ex_spk = int(mon_e.num_spikes)
    denom = max(done, 1)
    per = dict(examples=done, presentations=n_pres, retries=retries,
               seconds=sim_seconds, seconds_per_example=sim_seconds / denom,
               seconds_per_presentation=sim_seconds / max(n_pres, 1),
               cpu_seconds_per_example=(result['sim_cpu_seconds'] / denom
                                        if result.get('sim_cpu_seconds') is not None else None),
               input_spikes_per_example=in_spk / denom,
               exc_spikes_per_example=ex_spk / denom,
               input_spikes_per_presentation=in_spk / max(n_pres, 1),
               exc_spikes_per_presentation=ex_spk / max(n_pres, 1))
    result.update(per)
    result[args.mode] = dict(per)
    result['setup_seconds'] = setup_seconds
    result['capped_by_max_presentations'] = bool(capped)
    try:
        result['mean_theta_mV'] = float(np.mean(exc.theta[:] / mV))
        wfin = np.asarray(S.w[:])
        result['mean_weight'] = float(wfin.mean())
        result['max_column_sum'] = float(np.bincount(jj, weights=wfin, minlength=N).max())
    except Exception as e:  # pragma: no cover - diagnostics only
        result['diagnostics_error'] = repr(e)

    if args.save and learn:
        save_checkpoint(args.save, np.asarray(S.w[:]), ii, jj, np.asarray(exc.theta[:] / mV),
                        N, args.seed, done)
        result['checkpoint'] = args.save

    self_mb = maxrss_mb(resource.RUSAGE_SELF)
    child_mb = maxrss_mb(resource.RUSAGE_CHILDREN)
    result['peak_rss_self_mb'] = self_mb
    result['peak_rss_children_mb'] = child_mb     # standalone: includes the compiler
    if standalone:
        result['sim_binary_peak_rss_mb'] = binary_rss
        result['peak_rss_mb'] = max(self_mb, binary_rss or 0.0)
    else:
        result['peak_rss_mb'] = self_mb

    if standalone and not args.keep_build and not args.build_dir:
        shutil.rmtree(build_dir, ignore_errors=True)

    txt = json.dumps(result, indent=2)
    if args.json:
        with open(args.json, 'w') as f:
            f.write(txt + '\n')
    print(txt)
    return 0 if not capped else 3


if __name__ == '__main__':
    sys.exit(main())
