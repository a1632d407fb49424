#!/usr/bin/python3
"""Brette et al. (2007) CUBA and COBA side by side: SpikeTorch and Brian2, in one run.

Series:
  seeds    (default on) each model at N = --n_neurons (4000) for --seeds seeds (default 5), with
           SpikeTorch (examples/brette2007/spiketorch_{cuba,coba}), Brian2 runtime (Cython) and
           Brian2 C++ standalone, one thread. Within each seed the order of the programs rotates,
           so slow phases of a shared machine hit all programs alike. The table gives the
           run-to-run spread (mean +- sd over seeds) of rates and CV, and the time per simulated
           second.
  scaling  (--scaling) N = 4000, 16000, 64000, 256000 (--scaling_n, --max_n) on 1 and 2 threads
           (--scaling_threads), SpikeTorch and Brian2 standalone, --scaling_seeds seeds each
           (default 1), --scaling_duration ms (default: --duration).

Writes into --out (default: a new directory in /tmp): runs.jsonl (one JSON object per run: the
program's own JSON plus program, series and the command), logs/ (each run's output), table.md; and
prints the table. A program that is missing is skipped with a message (Brian2: /usr/bin/python3
cannot import brian2; SpikeTorch: the binaries are not in --spiketorch_build). The exit status is
1 when a run failed, else 0.

    benchmarks/peers/run_brette2007.py                          # seeds series, both models
    benchmarks/peers/run_brette2007.py --scaling --no_seeds --max_n 64000 --scaling_duration 200
    benchmarks/peers/run_brette2007.py --seeds 2 --duration 200 --programs spiketorch,brian2_standalone

SpikeTorch's programs are called as `spiketorch_cuba --duration MS --n_neurons N --seed S
--threads T --json FILE`; their JSON has the keys of brette2007_brian2.py's (model, n_neurons,
duration_ms, seed, threads, mean_rate_hz, cv_isi, n_spikes, synaptic_events, wall_s,
wall_per_sim_s).
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
BRIAN_SCRIPT = os.path.join(HERE, 'brette2007_brian2.py')
MODELS = ('cuba', 'coba')
PROGRAMS = ('spiketorch', 'brian2_runtime', 'brian2_standalone')
LABELS = {'spiketorch': 'SpikeTorch', 'brian2_runtime': 'Brian2 runtime (Cython)',
          'brian2_standalone': 'Brian2 C++ standalone'}
REQUIRED_KEYS = ('model', 'n_neurons', 'duration_ms', 'seed', 'threads', 'mean_rate_hz', 'cv_isi',
                 'n_spikes', 'synaptic_events', 'wall_s', 'wall_per_sim_s')


def int_list(text):
    try:
        values = [int(x) for x in text.split(',') if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected comma-separated integers, got {text!r}')
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f'expected positive integers, got {text!r}')
    return values


def name_list(allowed):
    def parse(text):
        values = [x.strip() for x in text.split(',') if x.strip()]
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise argparse.ArgumentTypeError(
                f'unknown {", ".join(bad) or "(empty)"}; choose from {", ".join(allowed)}')
        return values
    return parse


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', type=name_list(MODELS), default=list(MODELS))
    ap.add_argument('--programs', type=name_list(PROGRAMS), default=list(PROGRAMS),
                    help='which programs (default all; the scaling series never runs '
                         'brian2_runtime)')
    ap.add_argument('--seeds', type=int, default=5, help='seeds of the N = --n_neurons series')
    ap.add_argument('--first_seed', type=int, default=1)
    ap.add_argument('--n_neurons', type=int, default=4000)
    ap.add_argument('--duration', type=float, default=1000.0, help='simulated ms per run')
    ap.add_argument('--no_seeds', action='store_true', help='skip the seeds series')
    ap.add_argument('--scaling', action='store_true', help='run the scaling series too')
    ap.add_argument('--scaling_n', type=int_list, default=[4000, 16000, 64000, 256000])
    ap.add_argument('--max_n', type=int, default=None, help='drop scaling sizes above this')
    ap.add_argument('--scaling_threads', type=int_list, default=[1, 2])
    ap.add_argument('--scaling_seeds', type=int, default=1)
    ap.add_argument('--scaling_duration', type=float, default=None,
                    help='simulated ms per scaling run (default: --duration)')
    ap.add_argument('--spiketorch_build', default=os.path.join(REPO, 'build'),
                    help='build directory holding examples/brette2007/spiketorch_{cuba,coba}')
    ap.add_argument('--python', default='/usr/bin/python3',
                    help='the Python that can import brian2 (Debian python3-brian)')
    ap.add_argument('--make_jobs', type=int, default=1, help='Brian2 standalone make -j')
    ap.add_argument('--timeout', type=float, default=3600.0, help='seconds per run')
    ap.add_argument('--nice', type=int, default=0, help='run the programs under nice -n N')
    ap.add_argument('--omp_wait_policy', choices=['passive', 'active', 'inherit'],
                    default='passive',
                    help="OMP_WAIT_POLICY of the programs (default passive: on a busy machine "
                         "OpenMP's spinning barriers cost milliseconds each, see the README; "
                         "inherit: leave the environment as it is)")
    ap.add_argument('--out', default=None, help='output directory (default: new one in /tmp)')
    ap.add_argument('--report', metavar='DIR', default=None,
                    help='run nothing: remake DIR/table.md from DIR/runs.jsonl (e.g. several '
                         'runs appended into one file)')
    args = ap.parse_args(argv)
    problems = []
    if args.seeds < 1 or args.scaling_seeds < 1:
        problems.append('--seeds and --scaling_seeds must be >= 1')
    if not args.duration > 0 or (args.scaling_duration is not None
                                 and not args.scaling_duration > 0):
        problems.append('durations must be > 0 ms')
    if args.no_seeds and not args.scaling and args.report is None:
        problems.append('--no_seeds without --scaling leaves nothing to run')
    if problems:
        ap.error('; '.join(problems))
    return args


def brian2_available(python):
    try:
        r = subprocess.run([python, '-c', 'import brian2; print(brian2.__version__)'],
                           capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f'{python} did not run: {e}'
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ['?'])[-1]
        return None, (f'{python} cannot import brian2 ({last}); install it with '
                      f'scripts/install_deps.sh --peers')
    return r.stdout.strip(), None


def command(program, model, n, duration, seed, threads, json_path, args):
    if program == 'spiketorch':
        exe = os.path.join(args.spiketorch_build, 'examples', 'brette2007', f'spiketorch_{model}')
        return [exe, '--duration', f'{duration:g}', '--n_neurons', str(n), '--seed', str(seed),
                '--threads', str(threads), '--json', json_path]
    device = 'runtime' if program == 'brian2_runtime' else 'cpp_standalone'
    return [args.python, BRIAN_SCRIPT, '--model', model, '--device', device, '--n_neurons', str(n),
            '--duration', f'{duration:g}', '--seed', str(seed), '--threads', str(threads),
            '--make_jobs', str(args.make_jobs), '--json', json_path]


def run_one(job, args, out, log):
    program, model, n, duration, seed, threads, series = job
    tag = f'{series}_{model}_{program}_n{n}_t{threads}_s{seed}'
    json_path = os.path.join(out, 'json', tag + '.json')
    cmd = command(program, model, n, duration, seed, threads, json_path, args)
    if args.nice:
        cmd = ['nice', '-n', str(args.nice)] + cmd
    t0 = time.perf_counter()
    status = 'ok'
    try:
        env = dict(os.environ)
        if args.omp_wait_policy != 'inherit':
            env['OMP_WAIT_POLICY'] = args.omp_wait_policy
        with open(os.path.join(out, 'logs', tag + '.log'), 'w') as f:
            r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=args.timeout,
                               cwd=REPO, env=env)
        if r.returncode != 0:
            status = f'exit status {r.returncode}'
    except subprocess.TimeoutExpired:
        status = f'timed out after {args.timeout:g} s'
    except OSError as e:
        status = f'did not start: {e}'
    elapsed = time.perf_counter() - t0
    record = dict(program=program, series=series, command=' '.join(map(shlex.quote, cmd)),
                  elapsed_s=elapsed, omp_wait_policy=args.omp_wait_policy)
    if status == 'ok':
        try:
            with open(json_path) as f:
                data = json.load(f)
            missing = [k for k in REQUIRED_KEYS if k not in data]
            if missing:
                status = f'JSON lacks {", ".join(missing)}'
            record = {**data, **record}
        except (OSError, ValueError) as e:
            status = f'no readable JSON ({e})'
    record['status'] = status
    with open(os.path.join(out, 'runs.jsonl'), 'a') as f:
        f.write(json.dumps(record) + '\n')
    if status == 'ok':
        cv = record.get('cv_isi')
        log(f'  {LABELS[program]:24s} {model} N={n} T={threads} seed {seed}: '
            f'{record["mean_rate_hz"]:.2f} Hz, CV {cv if cv is None else round(cv, 3)}, '
            f'{record["wall_per_sim_s"]:.4g} s per sim s ({elapsed:.0f} s in all)')
    else:
        log(f'  {LABELS[program]:24s} {model} N={n} T={threads} seed {seed}: FAILED ({status}); '
            f'log: {os.path.join(out, "logs", tag + ".log")}')
    return record


def mean_sd(values, fmt):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return '-'
    if len(values) == 1:
        return format(values[0], fmt)
    return f'{format(statistics.mean(values), fmt)} ± {format(statistics.stdev(values), fmt)}'


def seeds_table(records, models, programs):
    lines = ['| model | program | runs | rate Hz (mean ± sd) | E / I rate Hz | CV ISI | '
             'wall s per sim s (mean ± sd) | fastest | CPU s per sim s | synaptic events / s | '
             'build s | Brian2 / SpikeTorch (mean wall) |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for model in models:
        ok = {p: [r for r in records if r['program'] == p and r.get('model') == model
                  and r['status'] == 'ok'] for p in programs}
        st = ok.get('spiketorch') or []
        st_wall = statistics.mean(r['wall_per_sim_s'] for r in st) if st else None
        for p in programs:
            rs = ok[p]
            if not rs:
                continue
            wall = statistics.mean(r['wall_per_sim_s'] for r in rs)
            ev = [r['synaptic_events'] / r['wall_s'] / 1e6 for r in rs if r['wall_s'] > 0]
            ei = '-'
            if all('rate_exc_hz' in r for r in rs):
                ei = (f"{statistics.mean(r['rate_exc_hz'] for r in rs):.2f} / "
                      f"{statistics.mean(r['rate_inh_hz'] for r in rs):.2f}")
            builds = [r['build_s'] for r in rs if r.get('build_s') is not None]
            # process CPU time of the simulation (all threads), where the program reports it
            cpu = [r['cpu_s'] / (r['duration_ms'] / 1000.0) for r in rs
                   if r.get('cpu_s') is not None]
            ratio = '-'
            if p != 'spiketorch' and st_wall:
                ratio = f'{wall / st_wall:.1f}x'
            lines.append(
                f"| {model.upper()} | {LABELS[p]} | {len(rs)} | "
                f"{mean_sd([r['mean_rate_hz'] for r in rs], '.2f')} | {ei} | "
                f"{mean_sd([r['cv_isi'] for r in rs], '.3f')} | "
                f"{mean_sd([r['wall_per_sim_s'] for r in rs], '.4g')} | "
                f"{min(r['wall_per_sim_s'] for r in rs):.4g} | {mean_sd(cpu, '.4g')} | "
                f"{mean_sd(ev, '.1f')} M | {mean_sd(builds, '.1f') if builds else '-'} | "
                f"{ratio} |")
    return '\n'.join(lines)


def scaling_table(records, models):
    lines = ['| model | program | N | threads | runs | rate Hz | wall s per sim s | '
             'CPU s per sim s | synaptic events / s | 1 thread / this (wall) |',
             '|---|---|---|---|---|---|---|---|---|---|']
    keys = sorted({(r.get('model'), r['program'], r.get('n_neurons'), r.get('threads'))
                   for r in records if r['status'] == 'ok'},
                  key=lambda k: (models.index(k[0]) if k[0] in models else 9, k[1], k[2], k[3]))
    for model, p, n, t in keys:
        rs = [r for r in records if r['status'] == 'ok' and r.get('model') == model
              and r['program'] == p and r.get('n_neurons') == n and r.get('threads') == t]
        wall = statistics.mean(r['wall_per_sim_s'] for r in rs)
        one = [r['wall_per_sim_s'] for r in records if r['status'] == 'ok'
               and r.get('model') == model and r['program'] == p and r.get('n_neurons') == n
               and r.get('threads') == 1]
        speedup = f'{statistics.mean(one) / wall:.2f}' if one and t != 1 else '-'
        ev = [r['synaptic_events'] / r['wall_s'] / 1e6 for r in rs if r['wall_s'] > 0]
        cpu = [r['cpu_s'] / (r['duration_ms'] / 1000.0) for r in rs if r.get('cpu_s') is not None]
        lines.append(f"| {model.upper()} | {LABELS[p]} | {n} | {t} | {len(rs)} | "
                     f"{mean_sd([r['mean_rate_hz'] for r in rs], '.2f')} | "
                     f"{mean_sd([r['wall_per_sim_s'] for r in rs], '.4g')} | "
                     f"{mean_sd(cpu, '.4g')} | {mean_sd(ev, '.1f')} M | {speedup} |")
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    out = args.report or args.out or tempfile.mkdtemp(prefix='brette2007_',
                                       dir=None if os.path.isdir('/tmp') else '.')
    os.makedirs(os.path.join(out, 'json'), exist_ok=True)
    os.makedirs(os.path.join(out, 'logs'), exist_ok=True)
    log_file = open(os.path.join(out, 'log.txt'), 'a')

    def log(msg):
        print(msg, flush=True)
        log_file.write(msg + '\n')
        log_file.flush()

    started = datetime.datetime.now(datetime.timezone.utc)
    if args.report is not None:
        with open(os.path.join(out, 'runs.jsonl')) as f:
            records = [json.loads(line) for line in f if line.strip()]
        versions = sorted({r['brian2_version'] for r in records if 'brian2_version' in r})
        return write_report(records, args, out, started, ', '.join(versions) or None, log, argv)
    log(f'run_brette2007: {started:%Y-%m-%d %H:%M} UTC, output in {out}')
    programs = list(args.programs)
    unavailable = set()   # (program, model) pairs whose program is missing
    brian_version = None
    if any(p.startswith('brian2') for p in programs):
        brian_version, why = brian2_available(args.python)
        if brian_version is None:
            log(f'skipping Brian2: {why}')
            programs = [p for p in programs if not p.startswith('brian2')]
        else:
            log(f'Brian2 {brian_version} ({args.python})')
    if 'spiketorch' in programs:
        missing = [m for m in args.models if not os.access(
            os.path.join(args.spiketorch_build, 'examples', 'brette2007', f'spiketorch_{m}'),
            os.X_OK)]
        if missing:
            log(f'skipping SpikeTorch for {", ".join(m.upper() for m in missing)}: no executable '
                f'{", ".join(f"examples/brette2007/spiketorch_{m}" for m in missing)} in '
                f'{args.spiketorch_build} (build it: meson setup build ... && ninja -C build '
                f'examples/brette2007/spiketorch_cuba examples/brette2007/spiketorch_coba, or '
                f'pass --spiketorch_build DIR)')
            unavailable = {('spiketorch', m) for m in missing}
            if len(missing) == len(args.models):
                programs.remove('spiketorch')
    if not programs:
        log('nothing to run: no program available')
        return 0

    jobs = []
    if not args.no_seeds:
        for k in range(args.seeds):
            seed = args.first_seed + k
            for model in args.models:
                order = programs[k % len(programs):] + programs[:k % len(programs)]
                jobs += [(p, model, args.n_neurons, args.duration, seed, 1, 'seeds')
                         for p in order]
    scaling_programs = [p for p in programs if p != 'brian2_runtime']
    if args.scaling:
        sizes = [n for n in args.scaling_n if args.max_n is None or n <= args.max_n]
        duration = args.scaling_duration or args.duration
        for k in range(args.scaling_seeds):
            for n in sizes:
                for model in args.models:
                    rot = (k + sizes.index(n)) % max(1, len(scaling_programs))
                    order = scaling_programs[rot:] + scaling_programs[:rot]
                    for t in args.scaling_threads:
                        jobs += [(p, model, n, duration, args.first_seed + k, t, 'scaling')
                                 for p in order]
    jobs = [j for j in jobs if (j[0], j[1]) not in unavailable]
    log(f'{len(jobs)} runs')
    records = [run_one(job, args, out, log) for job in jobs]

    return write_report(records, args, out, started, brian_version, log, argv)


def machine_line():
    lscpu = ''
    try:
        lscpu = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
    except OSError:
        pass
    cpu = next((l.split(':', 1)[1].strip() for l in lscpu.splitlines()
                if l.startswith('Model name')), platform.processor())
    return f'{cpu}, {os.cpu_count()} CPUs; load average at the end {os.getloadavg()[0]:.1f}'


def write_report(records, args, out, started, brian_version, log, argv):
    """table.md from the records (titles from what the records hold); returns the exit status."""
    command_line = ' '.join(map(shlex.quote, [sys.argv[0]] + (
        argv if argv is not None else sys.argv[1:])))
    policies = ', '.join(sorted({str(r.get('omp_wait_policy', 'unset')) for r in records}))
    text = ['# Brette et al. (2007) benchmark networks: SpikeTorch and Brian2', '',
            f'{started:%Y-%m-%d %H:%M} UTC; {machine_line()}; Brian2 {brian_version or "not run"}; '
            f'OMP_WAIT_POLICY {policies}; command: `{command_line}`', '']
    programs = [p for p in PROGRAMS if any(r['program'] == p for r in records)]
    seeds_records = [r for r in records if r['series'] == 'seeds']
    if seeds_records:
        ok = [r for r in seeds_records if r['status'] == 'ok']
        ns = sorted({r['n_neurons'] for r in ok})
        durations = sorted({r['duration_ms'] for r in ok})
        seeds = sorted({r['seed'] for r in ok})
        text += [f'## N = {", ".join(map(str, ns))}, {", ".join(f"{d:g}" for d in durations)} ms, '
                 f'seeds {", ".join(map(str, seeds))}, 1 thread', '',
                 seeds_table(seeds_records, args.models, programs), '']
    scaling_records = [r for r in records if r['series'] == 'scaling']
    if scaling_records:
        durations = sorted({r['duration_ms'] for r in scaling_records if r['status'] == 'ok'})
        text += [f'## Scaling ({", ".join(f"{d:g}" for d in durations)} ms per run)', '',
                 scaling_table(scaling_records, args.models), '']
    failed = [r for r in records if r['status'] != 'ok']
    if failed:
        text += ['## Failed runs', ''] + [f'- {r["command"]}: {r["status"]}' for r in failed]
        text.append('')
    table = '\n'.join(text)
    with open(os.path.join(out, 'table.md'), 'w') as f:
        f.write(table)
    log('')
    log(table)
    log(f'raw results: {os.path.join(out, "runs.jsonl")}; table: {os.path.join(out, "table.md")}')
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
