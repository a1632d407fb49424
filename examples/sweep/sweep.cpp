// spiketorch_sweep: many Diehl & Cook runs (network sizes x seeds x parameter values), spread
// over the MPI ranks of the job, gathered into one table (CSV and JSON) by rank 0.
//
//   spiketorch_sweep --n_neurons 100,400 --seeds 0,1,2 --n_train 1000 --n_test 1000 --csv t.csv
//   mpirun -np 2 spiketorch_sweep --seeds 0,1,2,3 --set stdp.nu_post=0.01,0.02 --json t.json
//
// Each run trains a network of its own on the first --n_train training digits (one process,
// one thread), labels its neurons from a frozen pass over them and tests it on the first
// --n_test test digits; run k goes to rank k mod K. A run's result depends only on its settings
// (not on the rank or the number of ranks), so the table is the same on any number of ranks.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xview.hpp>
#include "../common/cli_checks.hpp"
#include "../mnist/options.hpp"

#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/distributed/collectives.hpp"
#include "spiketorch/distributed/mpi_session.hpp"
#include "spiketorch/evaluation/labels.hpp"
#include "spiketorch/io/atomic_file.hpp"
#include "spiketorch/io/output_path.hpp"
#include "spiketorch/io/progress_bar.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_params_json.hpp"

namespace {

namespace st = spiketorch;
using spiketorch_examples::check;
using spiketorch_examples::command_line_error;

struct sweep_options {
  std::vector<std::size_t> sizes{100};
  std::vector<std::uint64_t> seeds{0};
  std::vector<std::string> sets;  // KEY=V1,V2,...
  std::size_t n_train = 1000, n_test = 1000;
  std::string data, csv, json;
  bool quiet = false;
};

/// A swept parameter: its path in the parameters' JSON ("stdp.nu_post") and values.
struct swept {
  std::string key;
  std::vector<nlohmann::json> values;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

swept parse_set(const std::string& s) {
  const auto eq = s.find('=');
  check(eq != std::string::npos && eq > 0 && eq + 1 < s.size(), "--set needs KEY=V1,V2,..., got '",
        s, "'");
  swept p{s.substr(0, eq), {}};
  for (const auto& v : split(s.substr(eq + 1), ',')) {
    check(!v.empty(), "--set ", p.key, ": an empty value in '", s, "'");
    // Numbers as numbers, anything else (an enum's name) as a string.
    const auto j = nlohmann::json::parse(v, nullptr, false);
    p.values.push_back(j.is_discarded() || j.is_object() || j.is_array() ? nlohmann::json(v) : j);
  }
  return p;
}

/// The parameters of a run: the defaults, n_neurons, seed, then the swept values.
st::models::diehl_cook_params params_of(std::size_t n, std::uint64_t seed,
                                        const std::vector<swept>& grid,
                                        const std::vector<std::size_t>& pick) {
  nlohmann::json j;
  st::models::diehl_cook_params p;
  p.n_neurons = n;
  p.seed = seed;
  st::models::to_json(j, p);
  for (std::size_t k = 0; k < grid.size(); ++k) {
    nlohmann::json* at = &j;
    for (const auto& part : split(grid[k].key, '.')) at = &(*at)[part];
    *at = grid[k].values[pick[k]];
  }
  st::models::from_json(j, p);  // validates, and names unknown keys
  return p;
}

struct run_spec {
  std::size_t n_neurons;
  std::uint64_t seed;
  std::vector<std::size_t> pick;  // value index of each swept parameter
  st::models::diehl_cook_params params;
};

// The results of a run, as doubles (merged over the ranks with one sum).
enum column { acc_all, acc_prop, train_s, label_s, test_s, rank_col, n_columns };

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void run_one(const run_spec& r, const st::mnist_split& train, const st::mnist_split& test,
             double* out) {
  st::models::diehl_cook_2015<> model(r.params);
  const std::size_t pixels = r.params.n_input, n_train = train.labels.size();
  const double t0 = now_s();
  for (std::size_t e = 0; e < n_train; ++e) model.train({train.images.data() + e * pixels, pixels});
  const double t1 = now_s();
  const auto none = [](std::uint64_t) {};
  // The ids of the MNIST program's label and test passes (examples/mnist/program.hpp).
  const auto label_counts = st::models::respond_all(model, train.images, 0, n_train, 1, 0, none);
  const auto assignment = st::evaluation::assign_labels(
      label_counts, std::span<const std::uint8_t>(train.labels.data(), n_train));
  const double t2 = now_s();
  const std::size_t n_test = test.labels.size();
  const auto counts =
      st::models::respond_all(model, test.images, 0, n_test, 1, std::uint64_t(1) << 23, none);
  std::vector<int> pa(n_test), pp(n_test);
  for (std::size_t e = 0; e < n_test; ++e) {
    auto row = xt::view(counts, e, xt::all());
    pa[e] = st::evaluation::classify_all_activity(row, assignment);
    pp[e] = st::evaluation::classify_proportion(row, assignment);
  }
  const std::span<const std::uint8_t> truth(test.labels.data(), n_test);
  out[acc_all] = st::evaluation::accuracy(truth, pa);
  out[acc_prop] = st::evaluation::accuracy(truth, pp);
  out[train_s] = t1 - t0;
  out[label_s] = t2 - t1;
  out[test_s] = now_s() - t2;
}

/// Every combination, sizes outermost, with its parameters checked (before any work).
std::vector<run_spec> plan(const sweep_options& o, const std::vector<swept>& grid) {
  std::vector<run_spec> runs;
  std::vector<std::size_t> pick(grid.size(), 0);
  for (std::size_t n : o.sizes)
    for (std::uint64_t seed : o.seeds)
      for (bool more = true; more;) {
        runs.push_back({n, seed, pick, params_of(n, seed, grid, pick)});
        more = false;
        for (std::size_t k = grid.size(); k-- > 0;) {
          if (++pick[k] < grid[k].values.size()) {
            more = true;
            break;
          }
          pick[k] = 0;
        }
      }
  return runs;
}

int sweep(const sweep_options& o, const std::vector<swept>& grid, const std::vector<run_spec>& runs,
          const st::rank_group& ranks) {
  const auto data = mnist_example::resolve_data_dir(o.data);
  const auto train = st::load_mnist(data, "train", o.n_train, 784);
  const auto test = st::load_mnist(data, "test", o.n_test, 784);
  if (ranks.leads())
    std::printf("sweep: %zu runs on %d rank%s (%zu training, %zu test digits each)\n", runs.size(),
                ranks.size, ranks.size == 1 ? "" : "s", train.labels.size(), test.labels.size());

  std::vector<double> table(runs.size() * n_columns, 0.0);
  std::size_t mine = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) mine += k % ranks.size == std::size_t(ranks.rank);
  st::progress_bar bar("sweep (rank 0)", mine, o.quiet || !ranks.leads(), 10.0, "run");
  std::size_t done = 0;
  const double t0 = now_s();
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (k % ranks.size != std::size_t(ranks.rank)) continue;
    double* row = table.data() + k * n_columns;
    run_one(runs[k], train, test, row);
    row[rank_col] = ranks.rank;
    bar.update(++done);
  }
  bar.finish();
  st::merge_over_ranks(ranks, table.data(), table.size());
  const double wall = st::max_over_ranks(ranks, now_s() - t0);
  if (!ranks.leads()) return 0;

  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  std::string csv = "n_neurons,seed";
  for (const auto& g : grid) csv += "," + g.key;
  csv += ",accuracy_all_activity,accuracy_proportion,train_s,label_s,test_s,rank\n";
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const double* row = table.data() + k * n_columns;
    nlohmann::ordered_json r;
    r["n_neurons"] = runs[k].n_neurons;
    r["seed"] = runs[k].seed;
    csv += std::to_string(runs[k].n_neurons) + "," + std::to_string(runs[k].seed);
    for (std::size_t g = 0; g < grid.size(); ++g) {
      const auto& v = grid[g].values[runs[k].pick[g]];
      r[grid[g].key] = v;
      csv += "," + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    r["accuracy_all_activity"] = row[acc_all];
    r["accuracy_proportion"] = row[acc_prop];
    r["train_s"] = row[train_s];
    r["label_s"] = row[label_s];
    r["test_s"] = row[test_s];
    r["rank"] = int(row[rank_col]);
    char line[160];
    std::snprintf(line, sizeof line, ",%.6f,%.6f,%.3f,%.3f,%.3f,%d\n", row[acc_all], row[acc_prop],
                  row[train_s], row[label_s], row[test_s], int(row[rank_col]));
    csv += line;
    j.push_back(r);
    std::printf("  n_neurons %zu, seed %llu", runs[k].n_neurons, (unsigned long long)runs[k].seed);
    for (std::size_t g = 0; g < grid.size(); ++g)
      std::printf(", %s %s", grid[g].key.c_str(), grid[g].values[runs[k].pick[g]].dump().c_str());
    std::printf(": %.2f%% all-activity, %.2f%% proportion (rank %d, %.1f s)\n", 100 * row[acc_all],
                100 * row[acc_prop], int(row[rank_col]), row[train_s] + row[label_s] + row[test_s]);
  }
  std::printf("sweep: %zu runs in %.1f s on %d rank%s\n", runs.size(), wall, ranks.size,
              ranks.size == 1 ? "" : "s");
  if (!o.csv.empty()) {
    st::write_text_atomically(o.csv, csv);
    std::printf("table written to %s\n", o.csv.c_str());
  }
  if (!o.json.empty()) {
    nlohmann::ordered_json doc;
    doc["ranks"] = ranks.size;
    doc["n_train"] = train.labels.size();
    doc["n_test"] = test.labels.size();
    doc["wall_s"] = wall;
    doc["runs"] = j;
    st::write_text_atomically(o.json, doc.dump(2) + "\n");
    std::printf("table written to %s\n", o.json.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const st::mpi_session mpi(&argc, &argv);
  const st::rank_group& ranks = mpi.world();
  sweep_options o;
  std::vector<swept> grid;
  std::vector<run_spec> runs;
  try {
    CLI::App app(
        "spiketorch_sweep: Diehl & Cook runs over network sizes, seeds and parameter values, "
        "spread over the\nMPI ranks of the job (mpirun -np K), gathered into one table.\n",
        "spiketorch_sweep");
    app.get_formatter()->column_width(30);
    app.add_option("--n_neurons", o.sizes, "network sizes")->delimiter(',')->type_name("N,...");
    app.add_option("--seeds", o.seeds, "seeds")->delimiter(',')->type_name("S,...");
    app.add_option("--set", o.sets,
                   "a swept parameter: its path in the parameters' JSON (as in a checkpoint's "
                   "manifest) and values, e.g. stdp.nu_post=0.01,0.02 (repeatable)")
        ->type_name("KEY=V,...");
    app.add_option("--n_train", o.n_train, "training digits per run (also labelled)")
        ->capture_default_str();
    app.add_option("--n_test", o.n_test, "test digits per run")->capture_default_str();
    app.add_option("--data", o.data, "MNIST folder (default: data/mnist or ../shared/data/mnist)");
    app.add_option("--csv", o.csv, "write the table as CSV")->type_name("FILE");
    app.add_option("--json", o.json, "write the table as JSON")->type_name("FILE");
    app.add_flag("--quiet", o.quiet, "no progress bar");
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      if (ranks.leads()) std::printf("%s", app.help().c_str());
      return 0;
    } catch (const CLI::ParseError& e) {
      throw command_line_error(e.what());
    }
    check(!o.sizes.empty() && !o.seeds.empty(), "--n_neurons and --seeds need at least one value");
    for (std::size_t n : o.sizes)
      check(n >= 1 && n <= 100000, "--n_neurons: sizes must be 1..100000, got ", n);
    check(o.n_train >= 1 && o.n_train <= 60000, "--n_train must be 1..60000, got ", o.n_train);
    check(o.n_test >= 1 && o.n_test <= 10000, "--n_test must be 1..10000, got ", o.n_test);
    // The table's files are checked now, not after the runs.
    for (const auto& [name, file] : {std::pair{"--csv", &o.csv}, std::pair{"--json", &o.json}}) {
      if (file->empty()) continue;
      namespace fs = std::filesystem;
      std::error_code ec;
      const fs::path path = *file;
      const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
      check(path.has_filename() && !fs::is_directory(path, ec), name, " ", *file,
            ": expected the name of a file to write the table to");
      check(fs::is_directory(dir, ec) && st::can_create_in(dir), name, " ", *file,
            ": cannot create files in ", dir.string(), " (missing, read-only or no permission)");
    }
    for (const auto& s : o.sets) grid.push_back(parse_set(s));
    runs = plan(o, grid);
  } catch (const std::exception& e) {
    if (ranks.leads())
      std::fprintf(stderr, "spiketorch_sweep: %s\n(run spiketorch_sweep --help for the options)\n",
                   e.what());
    return 2;
  }
  try {
    return sweep(o, grid, runs, ranks);
  } catch (const std::exception& e) {
    st::abort_all(ranks, "spiketorch_sweep", e.what());
  }
}
