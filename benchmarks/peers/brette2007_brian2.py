#!/usr/bin/python3
"""The two benchmark networks of Brette et al. (2007) in Brian2, for timing against SpikeTorch.

Brette R, Rudolph M, Carnevale T, et al. (2007) Simulation of networks of spiking neurons: a review
of tools and strategies. J Comput Neurosci 23:349-398. Benchmark 1 (COBA) and benchmark 2 (CUBA):
the Vogels & Abbott (2005) network of 4,000 LIF neurons, 80% excitatory, 2% random connectivity,
no external input; the activity is sustained by the recurrent connections from random initial
states.

Sources of the code below:
  CUBA  Brian2's examples/CUBA.py (Debian package python-brian-doc 2.5.1, file
        /usr/share/doc/python-brian-doc/examples/CUBA.py), with the E and I parts written as the
        subgroups P[:Ne] and P[Ne:] (the example connects P to P with conditions 'i<3200' and
        'i>=3200', which draws the same distribution of networks).
  COBA  Brian2 ships no conductance-based LIF COBA (its COBAHH.py is benchmark 3), so this follows
        R. Brette's Brian 1 script of the paper (COBA.py, "Benchmark 1 ... Clock-driven
        implementation with Euler integration"), written with Brian2 units: its conductances in
        units of the leak conductance (ge += 6/10, gi += 67/10) are ge, gi in siemens here with
        we = 6 nS, wi = 67 nS and gl = 10 nS; its initial state, relative to rest, is
        v = randn*5 - 5 mV, ge = randn*1.5 + 4, gi = randn*12 + 20 (units of gl), the same draws
        as Brian2's COBAHH.py uses.

Parameters (both models: dt 0.1 ms, threshold v > Vt, reset v = Vr, v clamped while refractory
(Brian's `(unless refractory)`), synapses without delay (they act in the step after the spike):

| symbol | CUBA | COBA |
|---|---|---|
| N, Ne, Ni | 4000, 3200, 800 | 4000, 3200, 800 |
| connection probability p | 0.02 (80 / N when scaled) | 0.02 (80 / N when scaled) |
| taum | 20 ms | 20 ms (= C / gl, C = 200 pF) |
| gl | - | 10 nS |
| taue, taui | 5 ms, 10 ms | 5 ms, 10 ms |
| El (rest) | -49 mV | -60 mV |
| Vt, Vr | -50 mV, -60 mV | -50 mV, -60 mV |
| refractory | 5 ms | 5 ms |
| Ee, Ei | - (current-based, in volts) | 0 mV, -80 mV |
| we, wi | 60*0.27/10 = 1.62 mV, -20*4.5/10 = -9 mV | 6 nS, 67 nS |
| v(0) | Vr + U(0,1)*(Vt - Vr) | El + (randn*5 - 5) mV |
| ge(0), gi(0) | 0, 0 | (randn*1.5 + 4)*10 nS, (randn*12 + 20)*10 nS |
| equations | dv/dt = (ge + gi - (v - El))/taum; dge/dt = -ge/taue; dgi/dt = -gi/taui | dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v))/C; dge/dt = -ge/taue; dgi/dt = -gi/taui |
| method | 'exact' | 'euler' (as Brette's script; --coba_method) |

Scaling (--n_neurons N): Ne = round(0.8 N), Ni = N - Ne, p = 80 / N, so each neuron keeps about
64 excitatory and 16 inhibitory inputs and the weights stay the same.

Run with the Debian Python that sees python3-brian (scripts/install_deps.sh --peers):

    /usr/bin/python3 benchmarks/peers/brette2007_brian2.py --model cuba --device cpp_standalone
    /usr/bin/python3 benchmarks/peers/brette2007_brian2.py --duration 50 --n_neurons 400   # smoke

One process runs one configuration: the device is chosen once (set_device) before any object is
made; run_brette2007.py starts one process per configuration.

Timing (JSON keys):
  wall_s        runtime: wall clock of the Python net.run(duration) call, after a run(0 ms) that
                did the code generation and Cython compilation. cpp_standalone: wall clock
                (CLOCK_MONOTONIC) around the generated `network.run(...)` call in main(), from
                code inserted in the 'before_network_run' / 'after_network_run' slots; so it
                excludes code generation, compilation, the binary's start-up (loading arrays,
                building the synapses) and the writing of results.
  brian_run_time_s  cpp_standalone: what Brian itself reports (device._last_run_time, from the
                binary's results/last_run_info.txt): the same loop, timed by std::clock() (the
                process's CPU time) in a serial build and by omp_get_wtime() (wall) with OpenMP.
  build_s       runtime: network construction plus run(0 ms) (code generation, Cython compile or
                cache load). cpp_standalone: network construction, code generation and
                compilation (device.build(compile=True, run=False)).
  binary_s      cpp_standalone: the whole binary as seen from Python (device.run).
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np

INPUTS_PER_NEURON = 80  # 2% of 4,000: kept when N is scaled
E_FRACTION = 0.8

# Code put into the generated main() around network.run(): wall and CPU time of the loop only.
TIMER_BEFORE = r'''
struct timespec _st_w0, _st_c0;
clock_gettime(CLOCK_MONOTONIC, &_st_w0);
clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_st_c0);
'''
TIMER_AFTER = r'''
{
    struct timespec _st_w1, _st_c1;
    clock_gettime(CLOCK_MONOTONIC, &_st_w1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_st_c1);
    std::ofstream _st_f("results/spiketorch_loop_time.txt");
    _st_f.precision(9);
    _st_f << (_st_w1.tv_sec - _st_w0.tv_sec) + 1e-9 * (_st_w1.tv_nsec - _st_w0.tv_nsec) << " "
          << (_st_c1.tv_sec - _st_c0.tv_sec) + 1e-9 * (_st_c1.tv_nsec - _st_c0.tv_nsec) << std::endl;
}
'''


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', choices=['cuba', 'coba'], default='cuba')
    ap.add_argument('--n_neurons', type=int, default=4000,
                    help='network size; p = 80/N, E:I = 4:1 (default 4000)')
    ap.add_argument('--duration', type=float, default=1000.0, help='simulated time in ms')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--device', choices=['runtime', 'cpp_standalone'], default='runtime')
    ap.add_argument('--threads', type=int, default=1,
                    help='cpp_standalone OpenMP threads (1: a serial build without OpenMP)')
    ap.add_argument('--json', default=None, help='write the result here')
    ap.add_argument('--build_dir', default=None,
                    help='cpp_standalone project directory (default: a fresh one in /tmp, '
                         'removed afterwards)')
    ap.add_argument('--keep_build', action='store_true', help='keep the standalone project')
    ap.add_argument('--make_jobs', type=int, default=1, help='parallel jobs of the standalone make')
    ap.add_argument('--runtime_target', choices=['cython', 'numpy'], default='cython',
                    help='code generation target of runtime mode')
    ap.add_argument('--coba_method', default='euler',
                    help="COBA integration method (Brette's script: Euler; e.g. "
                         "'exponential_euler')")
    ap.add_argument('--float_dtype', choices=['float64', 'float32'], default='float64',
                    help="Brian's state precision (its default: float64)")
    args = ap.parse_args(argv)
    problems = []
    if args.n_neurons < 10:
        problems.append(f'--n_neurons must be >= 10 (got {args.n_neurons})')
    if INPUTS_PER_NEURON > args.n_neurons:
        problems.append(f'--n_neurons must be >= {INPUTS_PER_NEURON} to keep '
                        f'{INPUTS_PER_NEURON} inputs per neuron (got {args.n_neurons})')
    if not args.duration > 0:
        problems.append(f'--duration must be > 0 ms (got {args.duration})')
    if args.threads < 1:
        problems.append(f'--threads must be >= 1 (got {args.threads})')
    if args.threads > 1 and args.device != 'cpp_standalone':
        problems.append('--threads > 1 needs --device cpp_standalone (runtime mode is serial)')
    if args.make_jobs < 1:
        problems.append(f'--make_jobs must be >= 1 (got {args.make_jobs})')
    if problems:
        ap.error('; '.join(problems))
    return args


def spike_statistics(i, t_ms, n, duration_ms):
    """Mean rate over all n neurons, and the mean over neurons with >= 3 spikes (at least two
    intervals) of std/mean of their inter-spike intervals (population std, ddof 0), as
    SpikeTorch's examples/brette2007 computes it; also the same over neurons with >= 2 spikes
    (cv_isi_min2: a neuron with one interval adds a CV of 0 by construction)."""
    i = np.asarray(i, dtype=np.int64)
    t_ms = np.asarray(t_ms, dtype=np.float64)
    counts = np.bincount(i, minlength=n)
    rate = counts.sum() / n / (duration_ms / 1000.0)
    order = np.lexsort((t_ms, i))
    i_s, t_s = i[order], t_ms[order]
    same = i_s[1:] == i_s[:-1]
    isi = (t_s[1:] - t_s[:-1])[same]
    owner = i_s[1:][same]
    k = np.bincount(owner, minlength=n).astype(np.float64)         # intervals per neuron
    s1 = np.bincount(owner, weights=isi, minlength=n)
    s2 = np.bincount(owner, weights=isi * isi, minlength=n)

    def mean_cv(min_intervals):
        m = k >= min_intervals
        if not m.any():
            return None, 0
        mean = s1[m] / k[m]
        var = np.maximum(s2[m] / k[m] - mean * mean, 0.0)
        return float(np.mean(np.sqrt(var) / mean)), int(m.sum())

    cv2, n2 = mean_cv(1)
    cv3, n3 = mean_cv(2)
    return dict(mean_rate_hz=float(rate), cv_isi=cv3, cv_isi_neurons=n3,
                cv_isi_min2=cv2, cv_isi_min2_neurons=n2, counts=counts)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    # Debian's pythran (imported through Brian2's dependencies) warns about NumPy aliases.
    warnings.filterwarnings('ignore', category=FutureWarning, module='pythran')
    import brian2
    from brian2 import (ms, mV, nS, pF, NeuronGroup, Synapses, SpikeMonitor, Network, prefs,
                        set_device, device, defaultclock, seed as b2seed)
    import_s = time.perf_counter() - t0
    brian2.BrianLogger.log_level_warn()

    standalone = args.device == 'cpp_standalone'
    build_dir = None
    if standalone:
        build_dir = args.build_dir or tempfile.mkdtemp(prefix='brian2_brette2007_')
        set_device('cpp_standalone', directory=build_dir, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
        prefs.devices.cpp_standalone.extra_make_args_unix = [f'-j{args.make_jobs}']
    else:
        prefs.codegen.target = args.runtime_target
    prefs.core.default_float_dtype = getattr(np, args.float_dtype)

    t_build0 = time.perf_counter()
    N = args.n_neurons
    Ne = int(round(E_FRACTION * N))
    p = INPUTS_PER_NEURON / N
    defaultclock.dt = 0.1 * ms
    b2seed(args.seed)

    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr = -50 * mV, -60 * mV
    if args.model == 'cuba':
        ns = dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=-49 * mV,
                  we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
        eqs = '''
            dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
            dge/dt = -ge / taue : volt
            dgi/dt = -gi / taui : volt
        '''
        method = 'exact'
    else:
        ns = dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=-60 * mV, Ee=0 * mV,
                  Ei=-80 * mV, gl=10 * nS, C=200 * pF, we=6 * nS, wi=67 * nS)
        eqs = '''
            dv/dt  = (gl * (El - v) + ge * (Ee - v) + gi * (Ei - v)) / C : volt (unless refractory)
            dge/dt = -ge / taue : siemens
            dgi/dt = -gi / taui : siemens
        '''
        method = args.coba_method
    P = NeuronGroup(N, eqs, threshold='v > Vt', reset='v = Vr', refractory=5 * ms,
                    method=method, namespace=ns, name='P')
    if args.model == 'cuba':
        P.v = 'Vr + rand() * (Vt - Vr)'
        P.ge = 0 * mV
        P.gi = 0 * mV
    else:
        P.v = 'El + (randn() * 5 - 5) * mV'
        P.ge = '(randn() * 1.5 + 4) * 10 * nS'
        P.gi = '(randn() * 12 + 20) * 10 * nS'
    Pe, Pi = P[:Ne], P[Ne:]
    Ce = Synapses(Pe, P, on_pre='ge += we', namespace=ns, name='Ce')
    Ci = Synapses(Pi, P, on_pre='gi += wi', namespace=ns, name='Ci')
    Ce.connect(p=p)
    Ci.connect(p=p)
    mon = SpikeMonitor(P, name='spikes')
    net = Network(P, Ce, Ci, mon)

    result = dict(simulator='brian2', brian2_version=brian2.__version__, model=args.model,
                  device=args.device, n_neurons=N, n_exc=Ne, n_inh=N - Ne,
                  connection_probability=p, duration_ms=args.duration, dt_ms=0.1,
                  seed=args.seed, threads=args.threads, method=method,
                  float_dtype=args.float_dtype, import_s=import_s,
                  omp_wait_policy=os.environ.get('OMP_WAIT_POLICY'))

    if standalone:
        device.insert_code('before_network_run', TIMER_BEFORE)
        device.insert_code('after_network_run', TIMER_AFTER)
        net.run(args.duration * ms, namespace={})
        device.build(directory=build_dir, compile=True, run=False, with_output=False)
        build_s = time.perf_counter() - t_build0
        t_run0 = time.perf_counter()
        device.run(build_dir, with_output=False, run_args=[])
        binary_s = time.perf_counter() - t_run0
        with open(os.path.join(build_dir, 'results', 'spiketorch_loop_time.txt')) as f:
            wall_s, cpu_s = (float(x) for x in f.read().split())
        result.update(build_s=build_s, binary_s=binary_s,
                      brian_run_time_s=float(device._last_run_time),
                      codegen_target='cpp_standalone' + (f' + OpenMP({args.threads})'
                                                         if args.threads > 1 else ' (serial)'),
                      make_jobs=args.make_jobs,
                      timing='wall clock of network.run() inside the binary (CLOCK_MONOTONIC)')
    else:
        net.run(0 * ms, namespace={})   # code generation and Cython compilation: build time
        build_s = time.perf_counter() - t_build0
        t_run0 = time.perf_counter()
        c_run0 = time.process_time()
        net.run(args.duration * ms, namespace={})
        wall_s = time.perf_counter() - t_run0
        cpu_s = time.process_time() - c_run0
        result.update(build_s=build_s, codegen_target=args.runtime_target,
                      timing='wall clock of the Python net.run(duration) call')

    spk_i = np.asarray(mon.i[:], dtype=np.int64)
    spk_t = np.asarray(mon.t[:] / ms, dtype=np.float64)
    # Outgoing synapses of every neuron (the subgroups' source indices start at 0 in each).
    outdeg = (np.bincount(np.asarray(Ce.i[:], dtype=np.int64), minlength=Ne).tolist()
              + np.bincount(np.asarray(Ci.i[:], dtype=np.int64), minlength=N - Ne).tolist())
    outdeg = np.asarray(outdeg, dtype=np.int64)
    stats = spike_statistics(spk_i, spk_t, N, args.duration)
    counts = stats.pop('counts')
    n_syn = int(outdeg.sum())
    events = int(np.dot(counts, outdeg))
    sim_s = args.duration / 1000.0
    result.update(stats)
    result.update(rate_exc_hz=float(counts[:Ne].sum() / Ne / sim_s),
                  rate_inh_hz=float(counts[Ne:].sum() / (N - Ne) / sim_s),
                  n_spikes=int(spk_i.size), n_synapses=n_syn,
                  synapses_per_neuron=n_syn / N, synaptic_events=events,
                  wall_s=wall_s, cpu_s=cpu_s, wall_per_sim_s=wall_s / sim_s,
                  synaptic_events_per_s=events / wall_s if wall_s > 0 else None,
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    if standalone:
        # The binary is a child process of this one (as is the compiler, so this is an upper
        # bound on the simulation's memory).
        result['peak_rss_children_mb'] = (
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0)
        if args.keep_build or args.build_dir:
            result['build_dir'] = build_dir
        else:
            shutil.rmtree(build_dir, ignore_errors=True)

    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
            f.write('\n')
    cv = result['cv_isi']
    print(f"brian2 {args.model} {args.device}{'' if args.threads == 1 else f' x{args.threads}'}"
          f" N={N} {args.duration:g} ms seed {args.seed}: rate {result['mean_rate_hz']:.2f} Hz"
          f" (E {result['rate_exc_hz']:.2f}, I {result['rate_inh_hz']:.2f}),"
          f" CV ISI {'n/a' if cv is None else f'{cv:.3f}'}, {result['n_spikes']} spikes,"
          f" {events} synaptic events; wall {wall_s:.3f} s"
          f" ({result['wall_per_sim_s']:.3f} s per simulated s), build {build_s:.1f} s")
    return 0


if __name__ == '__main__':
    sys.exit(main())
