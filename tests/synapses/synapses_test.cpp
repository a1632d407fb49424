// Synapse kernels through the real CPU population update (drive from the state at the start of
// the step, neuron integration, then one step of decay), against closed forms.
#include "../neurons/harness.hpp"

#include <spiketorch/neurons/integrate_and_fire.hpp>
#include <spiketorch/neurons/lif.hpp>
#include <spiketorch/synapses/delta_current.hpp>
#include <spiketorch/synapses/exp_conductance.hpp>
#include <spiketorch/synapses/exp_current.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace spiketorch;
using spiketorch::testing::single_population;

namespace {
// k float32 multiplications by a decay factor that is itself rounded to float: at most 2^-24
// relative error for the factor and for each product, so k·2^-23 relative after k steps.
double decay_tol(int k) { return k * std::ldexp(1.0, -23) + 1e-7; }

neurons::lif::params never_fires() {
  neurons::lif::params p;  // tau 10 ms, rest -60
  p.v_init_mv = -60.0;
  p.v_reset_mv = -70.0;
  p.v_thresh_mv = 50.0;  // above every reversal potential used here: never reached
  return p;
}
}  // namespace

TEST_CASE("exp_current: currents decay as exp(-t/tau) and drive = I_exc - I_inh", "[synapses]") {
  synapses::exp_current::params sp;  // tau_exc 5 ms, tau_inh 10 ms
  const double dt = 0.5;
  auto np = never_fires();
  single_population<neurons::lif, synapses::exp_current> n(1, np, dt, sp);
  n.syn(synapses::exp_current::i_exc) = 8.0f;
  n.syn(synapses::exp_current::i_inh) = 3.0f;
  // Reference for V: the same piecewise-constant scheme in double, with the closed-form currents.
  double v = np.v_init_mv;
  const double a = std::exp(-dt / np.tau_m_ms);
  for (int k = 1; k <= 200; ++k) {
    const double i_e = 8.0 * std::exp(-(k - 1) * dt / sp.tau_exc_ms);
    const double i_i = 3.0 * std::exp(-(k - 1) * dt / sp.tau_inh_ms);
    const double v_inf = np.v_rest_mv + i_e - i_i;  // drive read before this step's decay
    v = v_inf + (v - v_inf) * a;
    n.step();
    REQUIRE(double(n.syn(synapses::exp_current::i_exc)) ==
            Approx(8.0 * std::exp(-k * dt / sp.tau_exc_ms)).epsilon(decay_tol(k)));
    REQUIRE(double(n.syn(synapses::exp_current::i_inh)) ==
            Approx(3.0 * std::exp(-k * dt / sp.tau_inh_ms)).epsilon(decay_tol(k)));
    // V within float32 rounding of the double reference (half an ulp of 64 mV per operation,
    // three per step, accumulated over at most 1/(1 - a) = 20.5 steps: 2.3e-4 mV).
    REQUIRE(double(n.v()) == Approx(v).margin(2.5e-4));
  }
}

TEST_CASE("exp_conductance: conductances decay as exp(-t/tau)", "[synapses]") {
  synapses::exp_conductance::params sp;  // tau_exc 1 ms, tau_inh 2 ms
  sp.tau_exc_ms = 3.0;
  sp.tau_inh_ms = 7.0;
  const double dt = 0.25;
  single_population<neurons::lif, synapses::exp_conductance> n(1, never_fires(), dt, sp);
  n.syn(synapses::exp_conductance::g_exc) = 2.0f;
  n.syn(synapses::exp_conductance::g_inh) = 5.0f;
  for (int k = 1; k <= 200; ++k) {
    n.step();
    REQUIRE(double(n.syn(synapses::exp_conductance::g_exc)) ==
            Approx(2.0 * std::exp(-k * dt / sp.tau_exc_ms)).epsilon(decay_tol(k)));
    REQUIRE(double(n.syn(synapses::exp_conductance::g_inh)) ==
            Approx(5.0 * std::exp(-k * dt / sp.tau_inh_ms)).epsilon(decay_tol(k)));
  }
}

TEST_CASE("exp_conductance: forward_euler scheme decays by (1 - dt/tau) per step", "[synapses]") {
  synapses::exp_conductance::params sp;
  sp.scheme = synapses::decay_scheme::forward_euler;
  sp.tau_exc_ms = 1.0;
  sp.tau_inh_ms = 2.0;
  const double dt = 0.5;
  single_population<neurons::lif, synapses::exp_conductance> n(1, never_fires(), dt, sp);
  n.syn(synapses::exp_conductance::g_exc) = 1.0f;
  n.syn(synapses::exp_conductance::g_inh) = 1.0f;
  for (int k = 1; k <= 20; ++k) {
    n.step();
    // 0.5 and 0.75 are exact in float, so the products are exact.
    REQUIRE(n.syn(synapses::exp_conductance::g_exc) == real(std::pow(0.5, k)));
    REQUIRE(n.syn(synapses::exp_conductance::g_inh) == real(std::pow(0.75, k)));
  }
  sp.tau_exc_ms = 0.5;  // dt >= tau: forward Euler would not decay
  CHECK_THROWS_AS(synapses::exp_conductance::derive(sp, dt), invalid_argument);
}

namespace {
// Holds the conductance of one channel at g by topping it up before every step.
template <class Pop>
void hold(Pop& n, std::size_t field, real g) {
  n.syn(field) = g;
}
}  // namespace

// The LIF evaluates the conductance drive g·(E - V) at V(t) and relaxes with tau_m (lif.hpp):
//   V(t+dt) - E = (V - E)·(a - (1 - a)·g) + (1 - a)·(V_rest - E),   a = exp(-dt/tau_m),
// so V stays on the near side of E (approaches without crossing) while g < a/(1 - a)
// (199.5 for tau_m = 100 ms at dt = 0.5 ms, 19.5 for 10 ms); beyond that the first-order scheme
// overshoots the reversal potential (documented in lif.hpp: stability needs g < ~2·tau_m/dt).
// Its fixed point is the exact steady state (V_rest + g·E)/(1 + g).
TEST_CASE("exp_conductance: a large sustained excitatory conductance pulls V to E_exc, never past it",
          "[synapses]") {
  auto np = never_fires();
  np.tau_m_ms = 100.0;  // the excitatory neurons of Diehl & Cook
  np.v_rest_mv = -65.0;
  np.v_init_mv = -65.0;
  synapses::exp_conductance::params sp;  // E_exc = 0 mV
  const double dt = 0.5;
  const double a = std::exp(-dt / np.tau_m_ms);
  const double g = GENERATE(20.0, 150.0, 199.0);  // 199: just inside g < a/(1 - a) = 199.5
  REQUIRE(g < a / (1 - a));
  single_population<neurons::lif, synapses::exp_conductance> n(1, np, dt, sp);
  double previous = n.v();
  for (int k = 0; k < 4000; ++k) {
    hold(n, synapses::exp_conductance::g_exc, static_cast<real>(g));
    n.step();
    REQUIRE(n.v() <= real(sp.e_exc_mv));
    // Monotone approach, up to rounding jitter at the fixed point: the step computes
    // drive - g·V with terms of ~65 mV (half an ulp: 3.8e-6 mV) before scaling by (1 - a), and
    // V itself carries half an ulp of ~0.4 mV; 1e-5 mV bounds both with margin.
    REQUIRE(double(n.v()) >= previous - 1e-5);
    previous = n.v();
  }
  const double steady = (np.v_rest_mv + g * sp.e_exc_mv) / (1.0 + g);
  INFO("g = " << g << ": V = " << n.v() << " mV, steady state " << steady << " mV");
  // Float32 rounding: half an ulp of 64 mV per step, contracted by 1 - (1 - a)(1 + g) per step.
  CHECK(double(n.v()) == Approx(steady).margin(1e-4));
  CHECK(double(n.v()) > sp.e_exc_mv - 65.0 / (1.0 + g) - 1e-4);
}

TEST_CASE("exp_conductance: sustained inhibitory conductance pulls V to E_inh, not below",
          "[synapses]") {
  auto np = never_fires();
  np.tau_m_ms = 100.0;
  np.v_rest_mv = -65.0;
  np.v_init_mv = -50.0;
  synapses::exp_conductance::params sp;  // E_inh = -100 mV
  const double dt = 0.5;
  const double g = GENERATE(5.0, 150.0);
  single_population<neurons::lif, synapses::exp_conductance> n(1, np, dt, sp);
  double previous = n.v();
  for (int k = 0; k < 4000; ++k) {
    hold(n, synapses::exp_conductance::g_inh, static_cast<real>(g));
    n.step();
    REQUIRE(n.v() >= real(sp.e_inh_mv));
    REQUIRE(double(n.v()) <= previous + 1e-6);  // monotone up to rounding jitter (see above)
    previous = n.v();
  }
  const double steady = (np.v_rest_mv + g * sp.e_inh_mv) / (1.0 + g);
  CHECK(double(n.v()) == Approx(steady).margin(1e-4));
}

TEST_CASE("exp_conductance: both channels settle at the conductance-weighted mean of the potentials",
          "[synapses]") {
  auto np = never_fires();
  np.v_rest_mv = -65.0;
  synapses::exp_conductance::params sp;
  sp.e_inh_mv = -85.0;
  single_population<neurons::lif, synapses::exp_conductance> n(1, np, 0.5, sp);
  for (int k = 0; k < 2000; ++k) {
    hold(n, synapses::exp_conductance::g_exc, 3.0f);
    hold(n, synapses::exp_conductance::g_inh, 1.5f);
    n.step();
  }
  // (V_rest + g_e·E_e + g_i·E_i)/(1 + g_e + g_i) = (-65 + 0 - 127.5)/5.5 = -35 mV.
  CHECK(double(n.v()) == Approx(-35.0).margin(1e-4));
}

TEST_CASE("delta_current: V jumps by the weight in the step that reads it, then the jump is gone",
          "[synapses]") {
  auto np = never_fires();
  single_population<neurons::lif, synapses::delta_current> n(1, np, 0.5);
  n.syn(synapses::delta_current::jump_exc) = 3.0f;
  n.step();
  CHECK(n.v() == real(-57.0));  // at rest, so the leak moves nothing: exactly V_rest + 3
  CHECK(n.syn(synapses::delta_current::jump_exc) == 0.0f);
  n.step();  // no new jump: relaxes by exp(-dt/tau) towards rest
  CHECK(double(n.v()) == Approx(-60.0 + 3.0 * std::exp(-0.05)).margin(1e-5));
  n.syn(synapses::delta_current::jump_exc) = 2.0f;
  n.syn(synapses::delta_current::jump_inh) = 5.0f;  // net -3 mV, inhibitory weights are positive
  const double before = n.v();
  n.step();
  CHECK(double(n.v()) == Approx(-60.0 + (before + 60.0) * std::exp(-0.05) - 3.0).margin(1e-5));
  CHECK(n.syn(synapses::delta_current::jump_inh) == 0.0f);

  // Non-leaky neuron: the jump is exactly additive.
  neurons::integrate_and_fire::params ip;
  ip.v_thresh_mv = 100.0;
  single_population<neurons::integrate_and_fire, synapses::delta_current> m(1, ip, 0.5);
  for (int k = 1; k <= 10; ++k) {
    m.syn(synapses::delta_current::jump_exc) = 0.25f;
    m.step();
    CHECK(m.v() == real(0.25 * k));
  }
}

TEST_CASE("synapse kernels: invalid parameters throw", "[synapses]") {
  synapses::exp_current::params c;
  c.tau_exc_ms = -5;
  CHECK_THROWS_AS(synapses::exp_current::derive(c, 0.5), invalid_argument);
  synapses::exp_conductance::params g;
  g.tau_inh_ms = 0;
  CHECK_THROWS_AS(synapses::exp_conductance::derive(g, 0.5), invalid_argument);
  g = {};
  g.e_inh_mv = 10.0;  // above E_exc
  CHECK_THROWS_AS(synapses::exp_conductance::derive(g, 0.5), invalid_argument);
  CHECK_THROWS_AS(synapses::delta_current::derive({}, 0.0), invalid_argument);
}
