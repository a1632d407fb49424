// The static network type: layers and projections are template arguments, so the per-step loop
// is fully known to the compiler (no virtual calls, no allocation). The step itself is written
// once for every backend (step/step.hpp, which gives the order of operations inside a step); the
// network owns the state and hands the backend a view of it (`view`).
//
//   using net_t = network<layers<input<"X", encoding::poisson>,
//                                population<"E", neurons::lif, synapses::exp_current>>,
//                         projections<projection<"X", "E", topology::dense>>>;
//   net_t net({.dt_ms = 0.5, .seed = 1}, {784, 100});
//   net.connect<"X", "E">({.weights = {0.0, 0.5}});
//   net.set_input<"X">(rates_hz);
//   net.run(350.0);
//   auto counts = net.spike_counts<"E">();
//
// Populations can be viewed in parts (subgroups, network/layer.hpp), given per-neuron parameters
// (set_neuron_params) and per-neuron initial values drawn from the network's seed (set_initial,
// set_initial_uniform, set_initial_normal; network/initial_values.hpp):
//
//   network<layers<population<"P", neurons::lif, synapses::exp_current>, subgroup<"Pe", "P">,
//                  subgroup<"Pi", "P">>, projections<...>> net(config, {4000, 3200, 800});
//   net.set_neuron_params<"P">(params_per_neuron);        // one lif::params per neuron
//   net.set_initial_uniform<"P">("v", -60.0, -50.0);      // reapplied by every reset_state()
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cpu/runner.hpp"
#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/device_tuple.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/fixed_string.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/core/time.hpp"
#include "spiketorch/backend/cpu/shares.hpp"
#include "spiketorch/distributed/collectives.hpp"
#include "spiketorch/distributed/rank_group.hpp"
#include "spiketorch/learning/normalization.hpp"
#include "spiketorch/network/initial_values.hpp"
#include "spiketorch/network/layer.hpp"
#include "spiketorch/network/projection.hpp"
#include "spiketorch/step/views.hpp"

namespace spiketorch {

namespace detail {
/// Members that return arrays of other libraries (recordings as xtensor arrays, weight matrices
/// as Eigen maps) go through these, specialised by the headers that include those libraries
/// (network/recordings.hpp, network/weight_matrix.hpp), so that this header parses neither.
struct xtensor_tag {};
struct eigen_tag {};
template <class Tag>
struct array_adaptor {
  static_assert(std::is_same_v<Tag, xtensor_tag> || std::is_same_v<Tag, eigen_tag>);
  static_assert(!std::is_same_v<Tag, xtensor_tag>,
                "spiketorch: include spiketorch/network/recordings.hpp to read recordings "
                "(spike_raster, state_trace) as xtensor arrays");
  static_assert(!std::is_same_v<Tag, eigen_tag>,
                "spiketorch: include spiketorch/network/weight_matrix.hpp for weight_matrix (an "
                "Eigen map)");
};
}  // namespace detail

struct network_config {
  double dt_ms = 0.5;
  std::uint64_t seed = 0;
  /// Threads that step the network together on the CPU (backend/cpu/team_execution.hpp; the
  /// results do not depend on it). More than one needs a build with OpenMP (-fopenmp).
  std::size_t threads = 1;
  /// The MPI ranks that step the network together (distributed/rank_group.hpp; one process by
  /// default). Every rank builds the network alike and calls the same members in the same
  /// order; the results do not depend on the number of ranks. Several ranks need a build with
  /// MPI, one thread per rank and the CPU backend.
  rank_group ranks{};
};

template <class Layers, class Projections, class Backend = backend::default_backend>
class network;

template <class... L, class... P, class Backend>
class network<layers<L...>, projections<P...>, Backend> {
  static_assert(sizeof...(L) > 0, "spiketorch: a network needs at least one layer");

 public:
  static constexpr std::size_t n_layers = sizeof...(L);
  static constexpr std::size_t n_projections = sizeof...(P);
  using backend_type = Backend;

 private:
  static constexpr std::array<std::string_view, n_layers> layer_names{L::name.view()...};

  template <fixed_string Name>
  static constexpr std::size_t find_layer() {
    for (std::size_t i = 0; i < n_layers; ++i)
      if (layer_names[i] == Name.view()) return i;
    return n_layers;
  }
  template <fixed_string Pre, fixed_string Post>
  static constexpr std::size_t find_projection() {
    constexpr std::array<std::string_view, n_projections> pres{P::pre.view()...};
    constexpr std::array<std::string_view, n_projections> posts{P::post.view()...};
    for (std::size_t i = 0; i < n_projections; ++i)
      if (pres[i] == Pre.view() && posts[i] == Post.view()) return i;
    return n_projections;
  }
  template <fixed_string Name>
  static constexpr std::size_t layer_index() {
    constexpr std::size_t i = find_layer<Name>();
    static_assert(i < n_layers, "spiketorch: no layer with this name in the network "
                                "(check the spelling of the layer name)");
    return i;
  }
  template <fixed_string Pre, fixed_string Post>
  static constexpr std::size_t projection_index() {
    constexpr std::size_t i = find_projection<Pre, Post>();
    static_assert(i < n_projections, "spiketorch: no projection between these layers in the "
                                     "network (check the names and the direction)");
    return i;
  }

 public:
  template <fixed_string Pre, fixed_string Post>
  using projection_type = std::tuple_element_t<projection_index<Pre, Post>(), std::tuple<P...>>;

 private:

 private:
  static constexpr bool names_unique() {
    for (std::size_t i = 0; i < n_layers; ++i)
      for (std::size_t j = i + 1; j < n_layers; ++j)
        if (layer_names[i] == layer_names[j]) return false;
    return true;
  }
  static_assert(names_unique(), "spiketorch: two layers of this network have the same name");
  static_assert(((find_layer<P::pre>() < n_layers) && ...),
                "spiketorch: a projection names a source layer that is not in layers<...>");
  static_assert(((find_layer<P::post>() < n_layers) && ...),
                "spiketorch: a projection names a target layer that is not in layers<...>");

  // Subgroups: the parent is a population listed before the subgroup.
  static constexpr std::array<bool, n_layers> layer_is_input{L::is_input...};
  static constexpr std::array<bool, n_layers> layer_is_subgroup{L::is_subgroup...};
  template <class Layer>
  static constexpr std::size_t parent_index_of() {
    if constexpr (Layer::is_subgroup)
      return find_layer<Layer::parent>();
    else
      return n_layers;
  }
  static constexpr std::array<std::size_t, n_layers> parent_indices{parent_index_of<L>()...};
  static constexpr bool valid_parent(std::size_t p) {
    return p < n_layers && !layer_is_input[p] && !layer_is_subgroup[p];
  }
  static constexpr bool subgroup_check(int what) {
    for (std::size_t i = 0; i < n_layers; ++i) {
      if (!layer_is_subgroup[i]) continue;
      const std::size_t p = parent_indices[i];
      if (what == 0 && p == n_layers) return false;
      if (what == 1 && p < n_layers && !valid_parent(p)) return false;
      if (what == 2 && p < n_layers && p > i) return false;
    }
    return true;
  }
  static_assert(subgroup_check(0),
                "spiketorch: a subgroup names a parent layer that is not in layers<...>");
  static_assert(subgroup_check(1),
                "spiketorch: a subgroup's parent must be a population (not an input layer or "
                "another subgroup)");
  static_assert(subgroup_check(2), "spiketorch: a subgroup must be listed after its parent "
                                   "population in layers<...>");

  template <class Proj>
  using post_layer_t =
      std::tuple_element_t<find_layer<Proj::post>(), std::tuple<L...>>;
  static_assert((!post_layer_t<P>::is_input && ...),
                "spiketorch: a projection cannot target an input layer");

  template <class Layer>
  static auto layer_desc_of() {
    if constexpr (Layer::is_input) {
      return input_desc{};
    } else if constexpr (Layer::is_subgroup) {
      constexpr std::size_t p = find_layer<Layer::parent>();
      if constexpr (valid_parent(p)) {
        using parent_t = std::tuple_element_t<p, std::tuple<L...>>;
        return subgroup_desc<typename parent_t::neuron_type, typename parent_t::synapse_type, p>{};
      } else {
        return input_desc{};  // refused by the static_asserts above
      }
    } else {
      return population_desc<typename Layer::neuron_type, typename Layer::synapse_type>{};
    }
  }

 public:
  /// The network without names, as the step and the backends see it (step/views.hpp).
  using desc = network_desc<
      layer_list<decltype(layer_desc_of<L>())...>,
      projection_list<projection_desc<typename P::topology_type, typename P::rule_type,
                                      typename P::delay_type, P::target_receptor,
                                      find_layer<P::pre>(), find_layer<P::post>()>...>>;
  using view_type = network_view<desc>;

 public:
  template <fixed_string Name>
  using layer_type = std::tuple_element_t<layer_index<Name>(), std::tuple<L...>>;

 private:
  /// The layer whose neurons `Name` has: its parent for a subgroup, else itself.
  template <fixed_string Name>
  static constexpr std::size_t owner_index() {
    constexpr std::size_t i = layer_index<Name>();
    if constexpr (layer_is_subgroup[i])
      return parent_indices[i];
    else
      return i;
  }

 public:
  /// The declaration of the population whose neurons layer `Name` has (itself, or a subgroup's
  /// parent).
  template <fixed_string Name>
  using population_type = std::tuple_element_t<owner_index<Name>(), std::tuple<L...>>;

  network(network_config config, std::array<std::size_t, n_layers> sizes) : config_(config) {
    require(std::isfinite(config.dt_ms) && config.dt_ms > 0,
            "network: dt_ms must be finite and > 0, got ", config.dt_ms);
    check_ranks(config.ranks, config.threads);
    check_threads(config.threads);
    for (std::size_t i = 0; i < n_layers; ++i)
      require(sizes[i] > 0, "network: layer '", layer_names[i], "' must have at least one neuron");
    sizes_ = sizes;
    std::size_t k = 0;
    std::apply([&](auto&... layer) { (layer.init(sizes[k++]), ...); }, layers_);
    // Subgroups of one parent take consecutive ranges in declaration order.
    std::array<std::size_t, n_layers> used{};
    static_for<n_layers>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      if constexpr (layer_is_subgroup[I]) {
        constexpr std::size_t p = parent_indices[I];
        std::get<I>(layers_).offset = used[p];
        used[p] += sizes[I];
        require(used[p] <= sizes[p], "network: the subgroups of '", layer_names[p], "' up to '",
                layer_names[I], "' have ", used[p], " neurons, more than the ", sizes[p],
                " of '", layer_names[p], "'");
      }
    });
    std::apply(
        [&](auto&... layer) {
          (
              [&] {
                if constexpr (requires { layer.derive(1.0); }) layer.derive(config_.dt_ms);
              }(),
              ...);
        },
        layers_);
    reset_state();
  }

  // ---- configuration -------------------------------------------------------------------------

  double dt_ms() const { return config_.dt_ms; }
  std::uint64_t seed() const { return config_.seed; }
  std::size_t threads() const { return config_.threads; }
  /// The threads that stepped the last run: fewer than threads() where the OpenMP runtime gave
  /// a smaller team (OMP_THREAD_LIMIT, a run inside another parallel region).
  std::size_t threads_used() const { return threads_used_; }
  /// For backends: the team size of the run just done.
  void ran_on_threads(std::size_t n) { threads_used_ = n; }
  /// The ranks that step the network (network_config::ranks).
  const rank_group& ranks() const { return config_.ranks; }
  /// The ranks for the following runs; every rank of the old group and of the new one must
  /// call it alike. A copy of the network set to one rank (rank_group{}) runs alone: the
  /// data-parallel passes of models::respond_all give each rank's copy its own examples.
  /// Each rank stores the synapses into its own neurons only (stored_synapses), so a change of
  /// the ranks moves the synapses, their spikes in flight and learning state to their new
  /// owners: a collective over the old group (a rank's copy set to rank_group{} gathers the
  /// whole network).
  void set_ranks(const rank_group& g) {
    check_ranks(g, config_.threads);
    const rank_group old = config_.ranks;
    const bool same = old.rank == g.rank && old.size == g.size &&
                      std::memcmp(old.comm_bytes, g.comm_bytes, sizeof g.comm_bytes) == 0;
    static_for<n_projections>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using Pj = std::tuple_element_t<I, std::tuple<P...>>;
      auto& proj = std::get<I>(projections_);
      if (same || !proj.connected) return;
      const topology::column_range to = share_of<Pj::post>(g);
      // Over several old ranks every rank takes part (one may keep its share while another's
      // changes); one old rank holds everything and needs no one.
      if (old.distributed() || to.first != proj.columns.first || to.count != proj.columns.count)
        proj.reshare(to, [&](void* data, std::size_t bytes) { or_over_ranks(old, data, bytes); });
    });
    config_.ranks = g;
  }
  /// Steps between the spike exchanges of a run over MPI ranks. A spike must reach the ranks that
  /// store its synapses before the shortest delay of any synapse has passed: every step where a
  /// projection has no delay, else the shortest delay + 1 steps. Every step while a plastic
  /// projection learns: its rule takes each step's presynaptic spikes in that step.
  std::size_t exchange_interval(bool learning) const {
    if (!config_.ranks.distributed()) return 1;
    std::size_t shortest = delays::max_steps;
    bool plastic = false;
    std::apply(
        [&](const auto&... proj) {
          ((shortest = std::min(shortest, proj.min_delay),
            plastic = plastic || std::remove_cvref_t<decltype(proj)>::rule_type::is_plastic),
           ...);
        },
        projections_);
    return learning && plastic ? 1 : shortest + 1;
  }
  /// What the spike exchanges between ranks cost so far (zero on one rank).
  const spiketorch::exchange_stats& exchange_stats() const { return exchange_stats_; }
  spiketorch::exchange_stats& exchange_stats() { return exchange_stats_; }
  /// The number of CPU threads for the following runs (see network_config::threads).
  void set_threads(std::size_t n) {
    check_ranks(config_.ranks, n);
    check_threads(n);
    config_.threads = n;
  }
  template <fixed_string Name>
  std::size_t size() const {
    return sizes_[layer_index<Name>()];
  }

  /// Neuron and synapse parameters of a population (validated; derived constants recomputed).
  /// Invalid parameters throw and leave the population as it was.
  template <fixed_string Name>
  void set_params(const typename population_type<Name>::neuron_type::params& neuron,
                  const typename population_type<Name>::synapse_type::params& synapse = {}) {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: set_params of a subgroup: set the parent population's parameters");
    auto& pop = layer<Name>();
    // Derived first: deriving validates.
    auto nd = layer_type<Name>::neuron_type::derive(neuron, config_.dt_ms);
    auto sd = synapses::derive_for<typename layer_type<Name>::synapse_type,
                                   typename layer_type<Name>::neuron_type>(synapse, neuron,
                                                                           config_.dt_ms);
    pop.neuron_params = neuron;
    pop.synapse_params = synapse;
    pop.neuron_derived = nd;
    pop.synapse_derived = sd;
    pop.neuron_params_each.clear();  // back to one set for all neurons
    pop.neuron_derived_each.clear();
    pop.init_neurons();
  }

  /// One set of neuron parameters per neuron of a population (each validated; the synapse
  /// parameters stay). The neurons' derived constants are kept per neuron and the update uses
  /// them; the neuron state is re-initialised from them. The population's own parameters become
  /// neuron 0's (they decide what the update does once for all neurons: adaptive_lif's periodic
  /// work). set_params goes back to one set for all. Invalid parameters throw and leave the
  /// population as it was.
  template <fixed_string Name>
  void set_neuron_params(
      std::span<const typename population_type<Name>::neuron_type::params> each) {
    static_assert(!layer_type<Name>::is_input, "spiketorch: input layers have no neurons");
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: set_neuron_params of a subgroup: set them on the parent population "
                  "(one per neuron of the parent)");
    using neuron_t = typename layer_type<Name>::neuron_type;
    using synapse_t = typename layer_type<Name>::synapse_type;
    auto& pop = layer<Name>();
    require(each.size() == pop.size, "set_neuron_params<", Name.view(), ">: expected ", pop.size,
            " parameter sets (one per neuron), got ", each.size());
    std::vector<typename neuron_t::derived> nd(each.size());
    typename synapse_t::derived sd0{};
    for (std::size_t i = 0; i < each.size(); ++i) {
      typename synapse_t::derived sd{};
      try {
        nd[i] = neuron_t::derive(each[i], config_.dt_ms);
        sd = synapses::derive_for<synapse_t, neuron_t>(pop.synapse_params, each[i], config_.dt_ms);
      } catch (const invalid_argument& e) {
        throw invalid_argument(
            detail::concat("set_neuron_params<", Name.view(), ">: neuron ", i, ": ", e.what()));
      }
      // The synapse kernel's constants are one set per population; they may depend on the
      // membrane (exp_current's exact scheme on tau_m), which must then be the same for all.
      if (i == 0) sd0 = sd;
      require(same_constants(sd, sd0, neurons::membrane_of<neuron_t>(each[i]).tau_m_ms,
                             neurons::membrane_of<neuron_t>(each[0]).tau_m_ms),
              "set_neuron_params<", Name.view(), ">: neuron ", i,
              "'s parameters change the synapse kernel's constants, which all neurons of a "
              "population share (exp_current's exact scheme depends on tau_m_ms): give every "
              "neuron the same tau_m_ms, or use the held_over_step scheme");
    }
    pop.neuron_params = each[0];
    pop.neuron_derived = nd[0];
    pop.synapse_derived = sd0;
    pop.neuron_params_each.assign(each.begin(), each.end());
    pop.neuron_derived_each = std::move(nd);
    pop.init_neurons();
  }
  /// The parameters of each neuron of a population (all the same unless set_neuron_params).
  template <fixed_string Name>
  typename population_type<Name>::neuron_type::params neuron_params(std::size_t i) const {
    static_assert(!layer_type<Name>::is_input && !layer_type<Name>::is_subgroup,
                  "spiketorch: neuron_params needs a population");
    require(i < size<Name>(), "neuron_params<", Name.view(), ">: neuron ", i, " outside ",
            size<Name>());
    return layer<Name>().params_of(i);
  }

  /// Per-neuron initial values of a state field of the neuron model or the synapse kernel ("v",
  /// "g_exc", "i_inh", ...): given, or drawn from the network's seed (network/initial_values.hpp).
  /// Applied at once and again after every re-initialisation (reset_state, set_params,
  /// set_neuron_params), replacing an earlier one of the same field and neurons; on a subgroup
  /// they cover its neurons only. reset_state's kept fields keep their values instead.
  template <fixed_string Name>
  void set_initial(std::string_view field, std::span<const real> values) {
    state_initializer x;
    x.how = state_initializer::kind::values;
    require(values.size() == size<Name>(), "set_initial<", Name.view(), ">(\"", field,
            "\"): expected ", size<Name>(), " values (one per neuron), got ", values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      require(std::isfinite(values[i]), "set_initial<", Name.view(), ">(\"", field,
              "\"): value ", i, " is not finite");
    x.values.assign(values.begin(), values.end());
    add_initial<Name>(field, std::move(x));
  }
  /// Values drawn uniformly in [lo, hi] (hi itself only where float rounding gives it; lo == hi:
  /// all lo).
  template <fixed_string Name>
  void set_initial_uniform(std::string_view field, double lo, double hi) {
    require(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "set_initial_uniform<",
            Name.view(), ">(\"", field, "\"): need finite lo <= hi, got [", lo, ", ", hi, ")");
    state_initializer x;
    x.how = state_initializer::kind::uniform;
    x.a = lo;
    x.b = hi;
    add_initial<Name>(field, std::move(x));
  }
  /// Values drawn from a normal distribution (sd == 0: all mean).
  template <fixed_string Name>
  void set_initial_normal(std::string_view field, double mean, double sd) {
    require(std::isfinite(mean) && std::isfinite(sd) && sd >= 0, "set_initial_normal<",
            Name.view(), ">(\"", field, "\"): need a finite mean and finite sd >= 0, got mean ",
            mean, ", sd ", sd);
    state_initializer x;
    x.how = state_initializer::kind::normal;
    x.a = mean;
    x.b = sd;
    add_initial<Name>(field, std::move(x));
  }
  /// Drops every initial value of a population (or of a subgroup's neurons): later
  /// re-initialisations use the parameters alone.
  template <fixed_string Name>
  void clear_initial() {
    static_assert(!layer_type<Name>::is_input, "spiketorch: input layers have no state");
    auto& pop = owner<Name>();
    const std::size_t off = offset_of<Name>(), n = size<Name>();
    std::erase_if(pop.initial, [&](const state_initializer& x) {
      return x.offset >= off && x.offset + x.size <= off + n;
    });
  }
  template <fixed_string Name>
  void set_encoder_params(const typename layer_type<Name>::encoder_type::params& p) {
    layer<Name>().encoder.set_params(p);
  }

  /// Builds the synapses of a projection: structure, initial weights, delays and rule state.
  template <fixed_string Pre, fixed_string Post>
  void connect(const connection_options<projection_type<Pre, Post>>& options = {}) {
    auto& proj = projection<Pre, Post>();
    if constexpr (requires { options.topology.allow_self; }) {
      // Connectors exclude i == j in the projection's numbering, which names one neuron only
      // when both ends start at the same neuron of one population.
      if constexpr (owner_index<Pre>() == owner_index<Post>())
        require(options.topology.allow_self || offset_of<Pre>() == offset_of<Post>(), "connect<",
                Pre.view(), ", ", Post.view(), ">: allow_self = false would exclude the pairs "
                "i == j of the projection's numbering, which are different neurons here ('",
                Pre.view(), "' starts at neuron ", offset_of<Pre>(), " of '",
                population_type<Pre>::name.view(), "', '", Post.view(), "' at ",
                offset_of<Post>(), "); keep allow_self = true");
    }
    const auto stream = projection_stream<Pre, Post>();
    proj.connect(size<Pre>(), size<Post>(), options, config_.dt_ms, stream,
                 synapses::takes_signed_weights<typename population_type<Post>::synapse_type>,
                 share_of<Post>(config_.ranks));
  }

  // ---- running ---------------------------------------------------------------------------------

  /// Encoder input of an input layer for the following runs (rates in Hz for Poisson coding).
  template <fixed_string Name>
  void set_input(std::span<const float> values) {
    auto& in = layer<Name>();
    static_assert(layer_type<Name>::is_input, "spiketorch: set_input needs an input layer");
    require(values.size() == in.size, "set_input<", Name.view(), ">: expected ", in.size,
            " values, got ", values.size());
    std::copy(values.begin(), values.end(), in.values.begin());
  }

  /// Simulates `duration_ms` (rounded to whole steps) with the current inputs.
  void run(double duration_ms) {
    const std::uint64_t n_steps = begin_run(duration_ms);
    backend::runner<Backend>::run(*this, n_steps);
    end_run(n_steps);
  }

  // ---- for backends ----------------------------------------------------------------------------
  // A run is begin_run (checks, the encoders draw the presentation's input spikes), the steps
  // over view(map) on the backend, then end_run (the host bookkeeping that follows from the
  // number of steps run: step counters, recorder positions, the input layers' last spikes).

  /// Starts a presentation of `duration_ms`; returns its number of steps.
  std::uint64_t begin_run(double duration_ms) {
    const std::uint64_t n_steps = steps_of(duration_ms, config_.dt_ms, "run: duration_ms");
    check_connected();
    begin_presentation(n_steps);
    return n_steps;
  }
  /// The state of the whole network as the step sees it, each array passed through `m`
  /// (core/array_map.hpp).
  template <class Map>
  view_type view(Map&& m) {
    return view(m, learning_);
  }
  /// The same with learning on or off for this view only (evaluation batches run frozen), and
  /// without the recorders unless `recorders`.
  template <class Map>
  view_type view(Map&& m, bool learning, bool recorders = true) {
    view_type v{};
    // A subgroup's view takes its parent's pointers as mapped for the parent's view (listed
    // before it), so that both see the same arrays on every backend.
    static_for<n_layers>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      if constexpr (layer_is_subgroup[I])
        tuple_at<I>(v.layers) = std::get<I>(layers_).view_of(tuple_at<parent_indices[I]>(v.layers));
      else
        tuple_at<I>(v.layers) = std::get<I>(layers_).view(m, recorders);
    });
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((tuple_at<I>(v.projections) = std::get<I>(projections_).view(m, learning)), ...);
    }(std::make_index_sequence<n_projections>{});
    v.step0 = step_;
    v.learning = learning;
    return v;
  }
  /// After the backend ran `n_steps` steps over view().
  void end_run(std::uint64_t n_steps) {
    std::apply([&](auto&... layer) { (layer.ran(n_steps), ...); }, layers_);
    std::apply([&](auto&... proj) { (proj.ran(n_steps, learning_), ...); }, projections_);
    step_ += n_steps;
  }
  /// Layers and projections by declaration index (for backends).
  template <std::size_t I>
  auto& layer_at() {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  auto& projection_at() {
    return std::get<I>(projections_);
  }
  /// The random stream of a layer's encoder (coordinates: presentation, input, draw).
  random_stream layer_stream(std::string_view name) const {
    return random_stream(config_.seed, static_cast<std::uint32_t>(name_hash(name)));
  }
  static constexpr std::string_view layer_name(std::size_t i) { return layer_names[i]; }
  /// The declaration index of a layer, or n_layers if there is none of that name.
  static constexpr std::size_t layer_index_of(std::string_view name) {
    for (std::size_t i = 0; i < n_layers; ++i)
      if (layer_names[i] == name) return i;
    return n_layers;
  }
  /// Throws unless every projection was connected.
  void require_connected() const { check_connected(); }

  /// Sets the input of the only input layer and runs.
  void run(std::span<const float> values, double duration_ms) {
    constexpr std::size_t n_inputs = (std::size_t(L::is_input) + ...);
    static_assert(n_inputs == 1, "spiketorch: run(values, ms) needs exactly one input layer; "
                                 "use set_input<\"name\">(values) and run(ms)");
    set_input<std::tuple_element_t<first_input_index(), std::tuple<L...>>::name>(values);
    run(duration_ms);
  }

  /// Plasticity and adaptive thresholds on or frozen. Traces restart from zero when it turns on.
  void set_learning(bool on) {
    if (on && !learning_)
      std::apply(
          [](auto&... proj) {
            (
                [&] {
                  using rule_t = typename std::remove_reference_t<decltype(proj)>::rule_type;
                  if constexpr (rule_t::is_plastic) proj.rule.state.reset();
                }(),
                ...);
          },
          projections_);
    learning_ = on;
  }
  bool learning() const { return learning_; }

  /// Back to the initial state: membrane potentials, synaptic state, spikes in flight, traces.
  /// Weights and adaptive thresholds' learned values are kept only if `keep` names them: the
  /// neuron state is re-initialised from the parameters, except fields listed in `keep_fields`.
  void reset_state(std::span<const std::string_view> keep_fields = {}) {
    // A kept field applies to the populations whose model has it ("theta": the adaptive ones);
    // a name that no population has is a mistake.
    for (std::string_view name : keep_fields) {
      bool known = false;
      std::apply(
          [&](const auto&... layer) {
            (
                [&] {
                  using layer_t = std::remove_cvref_t<decltype(layer)>;
                  if constexpr (requires { layer.neuron_state; })
                    known = known || neurons::field_index<typename layer_t::neuron_type>(name) <
                                         layer_t::neuron_type::n_fields;
                }(),
                ...);
          },
          layers_);
      require(known, "reset_state: no population has a neuron state field '", name, "'");
    }
    std::apply(
        [&](auto&... layer) {
          (
              [&] {
                using layer_t = std::remove_reference_t<decltype(layer)>;
                if constexpr (requires { layer.neuron_state; })
                  reset_population<layer_t>(layer, keep_fields);
                else
                  layer.reset_state();
              }(),
              ...);
        },
        layers_);
    std::apply([](auto&... proj) { (proj.reset_state(), ...); }, projections_);
  }

  void reset_counts() {
    std::apply(
        [](auto&... layer) {
          (
              [&] {
                if constexpr (requires { layer.spikes; }) layer.spikes.reset_counts();
              }(),
              ...);
        },
        layers_);
  }

  // ---- access ----------------------------------------------------------------------------------

  template <fixed_string Name>
  auto& layer() {
    return std::get<layer_index<Name>()>(layers_);
  }
  template <fixed_string Name>
  const auto& layer() const {
    return std::get<layer_index<Name>()>(layers_);
  }
  template <fixed_string Pre, fixed_string Post>
  auto& projection() {
    return std::get<projection_index<Pre, Post>()>(projections_);
  }
  template <fixed_string Pre, fixed_string Post>
  const auto& projection() const {
    return std::get<projection_index<Pre, Post>()>(projections_);
  }

  /// A state variable of a population by name (e.g. "v", "theta", "g_exc").
  /// A state variable of a population by name (e.g. "v", "theta", "g_exc"); of a subgroup, the
  /// slice of its parent's.
  template <fixed_string Name, fixed_string Field>
  std::span<real> state() {
    using pop_t = population_type<Name>;
    static_assert(!pop_t::is_input, "spiketorch: input layers have no state variables");
    using neuron_t = typename pop_t::neuron_type;
    using synapse_t = typename pop_t::synapse_type;
    constexpr std::size_t nf = neurons::field_index<neuron_t>(Field.view());
    if constexpr (nf < neuron_t::n_fields) {
      return owner<Name>().neuron_state.field_span(nf).subspan(offset_of<Name>(), size<Name>());
    } else {
      constexpr std::size_t sf = synapse_field_index<synapse_t>(Field.view());
      static_assert(sf < synapse_t::n_fields,
                    "spiketorch: this population's neuron model and synapse kernel have no state "
                    "field of that name");
      return owner<Name>().synapse_state.field_span(sf).subspan(offset_of<Name>(), size<Name>());
    }
  }
  /// Run-time lookup of a state variable by name (throws if unknown).
  template <fixed_string Name>
  std::span<real> state(std::string_view field) {
    using pop_t = population_type<Name>;
    static_assert(!pop_t::is_input, "spiketorch: input layers have no state variables");
    auto& pop = owner<Name>();
    const std::size_t nf = neurons::field_index<typename pop_t::neuron_type>(field);
    if (nf < pop_t::neuron_type::n_fields)
      return pop.neuron_state.field_span(nf).subspan(offset_of<Name>(), size<Name>());
    const std::size_t sf = synapse_field_index<typename pop_t::synapse_type>(field);
    require(sf < pop_t::synapse_type::n_fields, "layer '", Name.view(), "' has no state field '",
            field, "'");
    return pop.synapse_state.field_span(sf).subspan(offset_of<Name>(), size<Name>());
  }

  /// Spikes per neuron since reset_counts() (of a subgroup: its slice of the parent's).
  template <fixed_string Name>
  std::span<const std::uint32_t> spike_counts() const {
    return std::span<const std::uint32_t>(owner<Name>().spikes.counts)
        .subspan(offset_of<Name>(), size<Name>());
  }
  template <fixed_string Name>
  std::uint64_t total_spikes() const {
    if constexpr (layer_type<Name>::is_subgroup) {
      const auto c = spike_counts<Name>();
      return std::accumulate(c.begin(), c.end(), std::uint64_t(0));
    } else {
      return layer<Name>().spikes.total;
    }
  }
  /// Neurons of a layer that spiked in the last step (of a subgroup: numbered from its first).
  template <fixed_string Name>
  std::span<const index_t> last_spikes() const {
    if constexpr (layer_type<Name>::is_subgroup) {
      const auto& sub = layer<Name>();
      sub.last.clear();
      for (index_t i : owner<Name>().emitted())
        if (i >= sub.offset && i < sub.offset + sub.size)
          sub.last.push_back(static_cast<index_t>(i - sub.offset));
      return sub.last;
    } else {
      return layer<Name>().emitted();
    }
  }

  /// The weights of a projection in its topology's synapse order. Over MPI ranks a rank stores
  /// the synapses into its own share of the targets only (stored_synapses); gather_weights
  /// gives them all there.
  template <fixed_string Pre, fixed_string Post>
  std::span<real> weights() {
    auto& proj = projection<Pre, Post>();
    require_all_stored(proj, "weights");
    return proj.topo.weights();
  }
  /// The synapses this process stores: all of them, or over MPI ranks those into its share of
  /// the targets (stored_columns: targets [first, first + count) of the projection, numbered from
  /// `first` in the topology), with their weights.
  template <fixed_string Pre, fixed_string Post>
  const auto& stored_synapses() const {
    return projection<Pre, Post>().topo;
  }
  template <fixed_string Pre, fixed_string Post>
  topology::column_range stored_columns() const {
    return projection<Pre, Post>().columns;
  }
  template <fixed_string Pre, fixed_string Post>
  std::span<real> stored_weights() {
    return projection<Pre, Post>().topo.weights();
  }
  /// All weights of a projection, in the order of weights() on one process: a collective over
  /// the ranks (every rank calls it and gets them all); a copy of weights() on one process.
  template <fixed_string Pre, fixed_string Post>
  std::vector<real> gather_weights() const {
    return projection<Pre, Post>().whole_weights(
        [&](void* data, std::size_t bytes) { or_over_ranks(config_.ranks, data, bytes); });
  }
  /// Dense projections as an n_pre x n_post Eigen matrix view (row-major, no copy); needs
  /// spiketorch/network/weight_matrix.hpp.
  template <fixed_string Pre, fixed_string Post, class Tag = detail::eigen_tag>
  auto weight_matrix() {
    using topo_t = typename projection_type<Pre, Post>::topology_type;
    static_assert(topo_t::contiguous_rows, "spiketorch: weight_matrix needs a dense projection");
    require_all_stored(projection<Pre, Post>(), "weight_matrix");
    auto& topo = projection<Pre, Post>().topo;
    return detail::array_adaptor<Tag>::matrix(topo.weights().data(), topo.n_pre(), topo.n_post());
  }
  /// Replaces all weights (their number and finiteness checked; the rule's bounds apply from the
  /// next update on). Over MPI ranks every rank passes them all and keeps its own.
  template <fixed_string Pre, fixed_string Post>
  void set_weights(std::span<const real> values) {
    auto& proj = projection<Pre, Post>();
    require(proj.connected, "set_weights<", Pre.view(), ", ", Post.view(),
            ">: connect the projection first");
    const std::uint64_t n = proj.topo.whole_synapses();
    require(values.size() == n, "set_weights<", Pre.view(), ", ", Post.view(),
            ">: expected ", n, " weights, got ", values.size());
    constexpr bool signed_ok =
        synapses::takes_signed_weights<typename population_type<Post>::synapse_type>;
    for (std::size_t k = 0; k < values.size(); ++k) {
      require(std::isfinite(values[k]), "set_weights: weight ", k, " is not finite");
      require(signed_ok || values[k] >= 0, "set_weights<", Pre.view(), ", ", Post.view(),
              ">: weight ", k, " is ", values[k],
              "; this synapse kernel (conductances) takes weights >= 0 only");
    }
    proj.set_whole_weights(values);
  }
  /// The delays of a projection's synapses (weights() order); over ranks, those of the synapses
  /// this rank stores (stored_synapses).
  template <fixed_string Pre, fixed_string Post>
  std::span<const delays::steps_t> delay_steps() const {
    return projection<Pre, Post>().delay_steps;
  }

  /// Rescales each target neuron's incoming weights of a projection to sum to `target_sum`.
  template <fixed_string Pre, fixed_string Post>
  void normalize(double target_sum) {
    auto& proj = projection<Pre, Post>();
    learning::normalize_incoming{target_sum}.apply(proj.topo, proj.scratch);
  }

  // ---- monitors --------------------------------------------------------------------------------

  /// Keeps a raster of the last `window_steps` steps of a layer's spikes.
  template <fixed_string Name>
  void record_spikes(std::size_t window_steps) {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    layer<Name>().spikes.recorder = spike_recorder(size<Name>(), window_steps);
  }
  /// [time, neuron], oldest step first, as an xtensor array; needs
  /// spiketorch/network/recordings.hpp.
  template <fixed_string Name, class Tag = detail::xtensor_tag>
  auto spike_raster() const {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    return detail::array_adaptor<Tag>::frames(layer<Name>().spikes.recorder.frames());
  }
  /// Records a layer's spikes as (neuron, step) events, keeping the first `capacity` of them
  /// (network/monitors.hpp: event_recorder; io/events.hpp writes them as .npy).
  template <fixed_string Name>
  void record_events(std::size_t capacity) {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    layer<Name>().spikes.events = event_recorder(capacity);
  }
  template <fixed_string Name>
  const event_recorder& events() const {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    return layer<Name>().spikes.events;
  }
  /// Records a state field of the given neurons every `interval` steps, keeping `window` frames.
  template <fixed_string Name>
  void record_state(std::string_view field, std::vector<index_t> neurons, std::size_t interval,
                    std::size_t window) {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    using pop_t = layer_type<Name>;
    static_assert(!pop_t::is_input, "spiketorch: input layers have no state variables");
    using neuron_t = typename pop_t::neuron_type;
    const std::size_t n = size<Name>();
    for (index_t i : neurons)
      require(i < n, "record_state: neuron ", i, " outside layer '", Name.view(), "' of ", n);
    // Synapse fields are numbered after the neuron fields so one index identifies either.
    std::size_t id = neurons::field_index<neuron_t>(field);
    if (id == neuron_t::n_fields) {
      const std::size_t sf = synapse_field_index<typename pop_t::synapse_type>(field);
      require(sf < pop_t::synapse_type::n_fields, "record_state: layer '", Name.view(),
              "' has no state field '", field, "'");
      id += sf;
    }
    layer<Name>().state_rec = state_recorder(id, std::move(neurons), interval, window);
  }
  /// [frame, selected neuron], oldest first, as an xtensor array; needs
  /// spiketorch/network/recordings.hpp.
  template <fixed_string Name, class Tag = detail::xtensor_tag>
  auto state_trace() const {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    return detail::array_adaptor<Tag>::frames(layer<Name>().state_rec.frames());
  }
  template <fixed_string Name>
  void clear_recordings() {
    static_assert(!layer_type<Name>::is_subgroup,
                  "spiketorch: recorders belong to populations: record the parent population of "
                  "this subgroup and take the subgroup's neurons from it");
    auto& l = layer<Name>();
    l.spikes.recorder.clear();
    l.spikes.events.clear();
    if constexpr (requires { l.state_rec; }) l.state_rec.clear();
  }

  std::uint64_t steps_done() const { return step_; }

  /// Each run() is one presentation; its number addresses the encoders' random draws. Setting it
  /// explicitly (e.g. from an example's index) makes a presentation's input spikes independent of
  /// what ran before, so copies of a network on several threads draw the same inputs.
  std::uint64_t presentation_index() const { return presentation_; }
  void set_presentation_index(std::uint64_t index) { presentation_ = index; }

 private:
  static constexpr std::size_t first_input_index() {
    constexpr std::array<bool, n_layers> is_in{L::is_input...};
    for (std::size_t i = 0; i < n_layers; ++i)
      if (is_in[i]) return i;
    return 0;
  }

  /// The state of the population whose neurons layer `Name` has, and where they start in it.
  template <fixed_string Name>
  auto& owner() {
    return std::get<owner_index<Name>()>(layers_);
  }
  template <fixed_string Name>
  const auto& owner() const {
    return std::get<owner_index<Name>()>(layers_);
  }
  template <fixed_string Name>
  std::size_t offset_of() const {
    if constexpr (layer_type<Name>::is_subgroup)
      return layer<Name>().offset;
    else
      return 0;
  }

  /// Checks the field, places the initialiser on the neurons of `Name`, keeps it (in place of
  /// one for the same field and neurons) and applies it.
  template <fixed_string Name>
  void add_initial(std::string_view field, state_initializer x) {
    using pop_t = population_type<Name>;
    static_assert(!pop_t::is_input, "spiketorch: input layers have no state variables");
    using neuron_t = typename pop_t::neuron_type;
    using synapse_t = typename pop_t::synapse_type;
    auto& pop = owner<Name>();
    x.field = neurons::field_index<neuron_t>(field);
    x.synapse_field = x.field == neuron_t::n_fields;
    if (x.synapse_field) {
      x.field = synapse_field_index<synapse_t>(field);
      require(x.field < synapse_t::n_fields, "set_initial<", Name.view(), ">: layer '",
              Name.view(), "' has no state field '", field, "'");
    }
    x.offset = offset_of<Name>();
    x.size = size<Name>();
    // Its own stream per layer and field: names, not declaration order, address the draws.
    const std::uint64_t h = name_hash(Name.view()) * 31 + name_hash(field) + 0x1417;
    x.stream = random_stream(config_.seed, static_cast<std::uint32_t>(h ^ (h >> 32)));
    std::erase_if(pop.initial, [&](const state_initializer& y) { return y.same_target(x); });
    x.apply(x.synapse_field ? pop.synapse_state.field(x.field) : pop.neuron_state.field(x.field));
    pop.initial.push_back(std::move(x));
  }

  /// Whether two sets of a synapse kernel's constants are the same: compared byte for byte when
  /// they are plain arrays of numbers (every kernel's derived constants: `real`s without padding),
  /// else by the membrane time constants they were derived with.
  template <class D>
  static bool same_constants(const D& a, const D& b, double tau_a, double tau_b) {
    if constexpr (std::is_empty_v<D>)
      return true;
    else if constexpr (std::is_trivially_copyable_v<D> && sizeof(D) % sizeof(real) == 0)
      return std::memcmp(&a, &b, sizeof(D)) == 0;
    else
      return tau_a == tau_b;
  }

  template <class K>
  static constexpr std::size_t synapse_field_index(std::string_view name) {
    for (std::size_t f = 0; f < K::n_fields; ++f)
      if (K::field_names[f] == name) return f;
    return K::n_fields;
  }

  template <class LayerState>
  void reset_population(LayerState& pop, std::span<const std::string_view> keep_fields) {
    using neuron_t = typename LayerState::neuron_type;
    // Keep listed fields (e.g. the learned "theta") across the re-initialisation.
    std::array<std::vector<real>, neuron_t::n_fields> saved;
    for (std::string_view name : keep_fields) {
      const std::size_t f = neurons::field_index<neuron_t>(name);
      if (f == neuron_t::n_fields) continue;  // another population's field (checked in reset_state)
      saved[f].assign(pop.neuron_state.field(f), pop.neuron_state.field(f) + pop.size);
    }
    pop.reset_state();
    for (std::size_t f = 0; f < neuron_t::n_fields; ++f)
      if (!saved[f].empty()) std::copy(saved[f].begin(), saved[f].end(), pop.neuron_state.field(f));
  }

  template <fixed_string Pre, fixed_string Post>
  random_stream projection_stream() const {
    const std::uint64_t h = name_hash(Pre.view()) * 31 + name_hash(Post.view()) + 0x9e37;
    return random_stream(config_.seed, static_cast<std::uint32_t>(h ^ (h >> 32)));
  }

  static void check_threads(std::size_t n) {
    require(n >= 1, "network: threads must be >= 1, got ", n);
#if !defined(SPIKETORCH_USE_OPENMP)
    require(n == 1, "network: threads = ", n,
            " needs a build with OpenMP (compile with -fopenmp); this one has one thread");
#endif
  }

  static void check_ranks(const rank_group& g, std::size_t threads) {
    require(g.size >= 1 && g.rank >= 0 && g.rank < g.size, "network: rank ", g.rank, " of ",
            g.size, " is not a rank of the group");
    if (!g.distributed()) return;
#if !defined(SPIKETORCH_USE_MPI)
    require(false, "network: ", g.size, " ranks need a build with MPI (SPIKETORCH_USE_MPI)");
#endif
    require(std::is_same_v<Backend, backend::cpu>, "network: ranks = ", g.size,
            " needs the CPU backend; this network runs on ", Backend::name);
    require(threads == 1, "network: ", g.size, " ranks with threads = ", threads,
            ": one thread per rank (start more ranks instead)");
  }

  /// The targets of a projection into `Post` whose synapses a rank of `g` stores: its share of
  /// the population's neurons (as distributed/distributed_execution.hpp splits them), in the
  /// numbering of `Post` (a subgroup's share of its parent's, clipped to it).
  template <fixed_string Post>
  topology::column_range share_of(const rank_group& g) const {
    const std::size_t n = size<Post>();
    if (!g.distributed()) return {0, n};
    const std::size_t whole = sizes_[owner_index<Post>()], off = offset_of<Post>();
    const auto r = static_cast<std::size_t>(g.rank), R = static_cast<std::size_t>(g.size);
    const auto local = [&](std::size_t x) { return std::clamp(x, off, off + n) - off; };
    const std::size_t lo = local(backend::share_begin(whole, r, R));
    return {lo, local(backend::share_begin(whole, r + 1, R)) - lo};
  }
  /// Refused over several ranks whatever this rank's share (a rank may hold all the targets of
  /// a small population and another none): every rank fails alike.
  template <class Proj>
  void require_all_stored(const Proj& proj, const char* what) const {
    require(!config_.ranks.distributed(), what, "<", Proj::pre_name(), ", ", Proj::post_name(),
            ">: over ", config_.ranks.size, " MPI ranks each rank stores the synapses into its "
            "own targets only (this one ", proj.columns.first, "..",
            proj.columns.first + proj.columns.count, " of ", proj.n_post,
            "): gather_weights gives all the weights on every rank (each rank calls it), "
            "stored_weights this rank's");
  }

  void check_connected() const {
    std::size_t k = 0;
    std::apply(
        [&](const auto&... proj) {
          (
              [&] {
                if (!proj.connected) {
                  constexpr std::array<std::string_view, n_projections> pres{P::pre.view()...};
                  constexpr std::array<std::string_view, n_projections> posts{P::post.view()...};
                  throw invalid_argument(detail::concat(
                      "projection ", pres[k], " -> ", posts[k],
                      " was never connected: call connect<\"", pres[k], "\", \"", posts[k],
                      "\">(...) before run"));
                }
                ++k;
              }(),
              ...);
        },
        projections_);
  }

  void begin_presentation(std::uint64_t n_steps) {
    const auto presentation = static_cast<std::uint32_t>(presentation_++);
    std::size_t k = 0;
    std::apply(
        [&](auto&... layer) {
          (
              [&] {
                if constexpr (requires { layer.encoder; })
                  layer.encoder.begin(layer.values, n_steps, config_.dt_ms,
                                      layer_stream(layer_names[k]), presentation);
                ++k;
              }(),
              ...);
        },
        layers_);
  }

  network_config config_;
  std::array<std::size_t, n_layers> sizes_{};
  std::tuple<layer_state<L>...> layers_;
  std::tuple<projection_state<P>...> projections_;
  bool learning_ = true;
  std::size_t threads_used_ = 1;
  spiketorch::exchange_stats exchange_stats_{};
  std::uint64_t step_ = 0;
  std::uint64_t presentation_ = 0;
};

}  // namespace spiketorch
